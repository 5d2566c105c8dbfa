import { EventEmitter } from 'node:events';
import type { Pool, PoolClient } from 'pg';
import { FhirError, serviceUnavailable } from '../fhir/errors/fhir-error';
import { guardPoolClients, isReplicaLoss, mapDatabaseError } from './database';

describe('guardPoolClients', () => {
  const setup = () => {
    const pool = new EventEmitter();
    const codes: (string | undefined)[] = [];
    guardPoolClients(pool as unknown as Pool, (code) => codes.push(code));
    return { pool, codes };
  };
  const dropped = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

  it('gives a checked-out client an error listener, so a dropped connection cannot end the process', () => {
    const { pool, codes } = setup();
    const client = new EventEmitter();
    // Without a listener, emit('error') throws: what crashed the server when PostgreSQL stopped.
    expect(() => new EventEmitter().emit('error', dropped())).toThrow('terminating connection');
    pool.emit('acquire', client as unknown as PoolClient);
    expect(() => client.emit('error', dropped())).not.toThrow();
    expect(codes).toEqual(['57P01']);
  });

  it('guards each client once, whether it is seen at connect or at acquire', () => {
    const { pool, codes } = setup();
    const client = new EventEmitter();
    pool.emit('connect', client);
    pool.emit('acquire', client);
    pool.emit('acquire', client);
    expect(client.listenerCount('error')).toBe(1);
    client.emit('error', dropped());
    expect(codes).toEqual(['57P01']);
  });

  it('handles the pool error event (an idle client lost)', () => {
    const { pool, codes } = setup();
    expect(() => pool.emit('error', dropped())).not.toThrow();
    expect(codes).toEqual(['57P01']);
  });
});

describe('mapDatabaseError', () => {
  it.each([
    ['server shutting down', { code: '57P01', message: 'terminating connection due to administrator command' }],
    ['server starting up', { code: '57P03', message: 'the database system is starting up' }],
    ['refused', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    ['dropped', { message: 'Connection terminated unexpectedly' }],
    ['connect timeout', { message: 'timeout exceeded when trying to connect' }],
    ['a client whose connection failed', { message: 'Client has encountered a connection error and is not queryable' }],
    ['statement timeout', { code: '57014', message: 'canceling statement due to statement timeout' }],
    ['a server that stopped answering', { message: 'Query read timeout' }],
  ])('answers 503 for %s', (_name, e) => {
    const mapped = mapDatabaseError(Object.assign(new Error(e.message), e));
    expect(mapped).toBeInstanceOf(FhirError);
    expect((mapped as FhirError).status).toBe(503);
    expect((mapped as FhirError).outcome.issue[0].code).toBe('transient');
  });

  it('leaves other errors alone', () => {
    const e = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(mapDatabaseError(e)).toBe(e);
  });
});

describe('isReplicaLoss', () => {
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

  it.each([
    ['a conflict with recovery', pgError('40001', 'canceling statement due to conflict with recovery')],
    ['a session ended for a conflict with recovery', pgError('40001', 'terminating connection due to conflict with recovery')],
    ['a replica shutting down', pgError('57P01', 'terminating connection due to administrator command')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a replica that refuses connections (mapped to 503)', serviceUnavailable('The database is unavailable; retry later')],
  ])('is true for %s', (_name, e) => {
    expect(isReplicaLoss(e)).toBe(true);
  });

  it.each([
    ['an undefined column', pgError('42703', 'column "x" does not exist')],
    ['a unique violation', pgError('23505', 'duplicate key')],
    ['a plain error', new Error('disk full')],
  ])('is false for %s', (_name, e) => {
    expect(isReplicaLoss(e)).toBe(false);
  });
});
