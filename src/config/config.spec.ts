import { loadConfig } from './config';

describe('loadConfig: TRUST_PROXY', () => {
  it('trusts no proxy by default', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('takes addresses and CIDR ranges, or true', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 172.30.80.0/24,::1' }).trustProxy).toEqual(['10.0.0.5', '172.30.80.0/24', '::1']);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('refuses anything else', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example' })).toThrow('TRUST_PROXY');
  });
});
