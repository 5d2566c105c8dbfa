import { loadConfig } from '../config/config';
import { poolOptions } from './database.module';

describe('poolOptions', () => {
  it('bounds the wait for a connection and each statement, and keeps TCP alive (defaults)', () => {
    expect(poolOptions(loadConfig({}))).toEqual({
      max: 20,
      options: '-c jit=off',
      connectionTimeoutMillis: 5000,
      statement_timeout: 60_000,
      query_timeout: 65_000,
      keepAlive: true,
    });
  });

  it('takes DB_CONNECT_TIMEOUT_MS and DB_QUERY_TIMEOUT_MS; 0 turns the statement limit off', () => {
    const o = poolOptions(loadConfig({ DB_POOL_SIZE: '5', DB_CONNECT_TIMEOUT_MS: '2000', DB_QUERY_TIMEOUT_MS: '3000' }));
    expect(o).toMatchObject({ max: 5, connectionTimeoutMillis: 2000, query_timeout: 3000 });
    expect(poolOptions(loadConfig({ DB_QUERY_TIMEOUT_MS: '0' }))).not.toHaveProperty('query_timeout');
  });

  it('refuses nonsense', () => {
    expect(() => loadConfig({ DB_QUERY_TIMEOUT_MS: '-1' })).toThrow('DB_QUERY_TIMEOUT_MS');
    expect(() => loadConfig({ DB_CONNECT_TIMEOUT_MS: 'soon' })).toThrow('DB_CONNECT_TIMEOUT_MS');
  });
});
