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

describe('loadConfig: EXPORT_REPLICA_WAIT_MS', () => {
  it('waits 30 s for a replica by default, and takes milliseconds from 0 to an hour', () => {
    expect(loadConfig({}).exportReplicaWaitMs).toBe(30_000);
    expect(loadConfig({ EXPORT_REPLICA_WAIT_MS: '500' }).exportReplicaWaitMs).toBe(500);
    expect(loadConfig({ EXPORT_REPLICA_WAIT_MS: '0' }).exportReplicaWaitMs).toBe(0);
    expect(loadConfig({ EXPORT_REPLICA_WAIT_MS: '3600000' }).exportReplicaWaitMs).toBe(3_600_000);
  });

  it('refuses a negative, fractional, too large or non-numeric value, naming the variable', () => {
    for (const v of ['-1', '1.5', '3600001', 'soon']) {
      expect(() => loadConfig({ EXPORT_REPLICA_WAIT_MS: v })).toThrow('EXPORT_REPLICA_WAIT_MS must be an integer between 0 and 3600000');
    }
  });
});
