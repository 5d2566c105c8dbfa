import { extractIndexRows } from '../search/index/extract-index-rows';
import { patientCompartmentParams } from '../search/index/compartment';
import type { Resource } from '@medplum/fhirtypes';
import { encodeRid, fnv1a32, PARTITION_PARAMS, PARTITIONS, partitionOf, partitionOfPatient, pkeyOfRid, primaryPatient, ridRange } from './partition-key';

describe('partition key', () => {
  it('is FNV-1a 32 over the UTF-8 key (fixed forever: the published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(partitionOfPatient('p1')).toBe(fnv1a32('Patient/p1') % PARTITIONS);
    expect(partitionOfPatient('Иванов')).toBe(fnv1a32('Patient/Иванов') % 16);
  });

  it('puts the pkey above bit 48, leaving legacy rids (< 2^48) in no partition key', () => {
    expect(encodeRid('5', 0)).toBe(String(2n ** 48n + 5n));
    expect(encodeRid('5', 15)).toBe(String(16n * 2n ** 48n + 5n));
    expect(pkeyOfRid(encodeRid('123456', 7))).toBe(7);
    expect(pkeyOfRid('123456')).toBeUndefined();
    expect(ridRange(7)).toEqual({ lo: String(8n << 48n), hi: String(9n << 48n) });
    expect(() => encodeRid(String(2n ** 48n), 1)).toThrow();
  });

  it('follows the primary compartment reference: subject before performer, first in document order', () => {
    const obs = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { text: 'x' },
      performer: [{ reference: 'Patient/p2' }],
      subject: { reference: 'Patient/p1' },
    } as Resource;
    expect(primaryPatient('Observation', 'o1', extractIndexRows(obs))).toBe('p1');
    const { subject: _s, ...noSubject } = obs as Resource & { subject: unknown };
    expect(primaryPatient('Observation', 'o1', extractIndexRows(noSubject as Resource))).toBe('p2');
    expect(primaryPatient('Patient', 'p9', null)).toBe('p9');
    const org = { resourceType: 'Organization', id: 'org1' } as Resource;
    expect(primaryPatient('Organization', 'org1', extractIndexRows(org))).toBeUndefined();
    expect(partitionOf('Organization', 'org1', extractIndexRows(org))).toBe(fnv1a32('Organization/org1') % 16);
    expect(partitionOf('Observation', 'o1', extractIndexRows(obs))).toBe(partitionOfPatient('p1'));
  });

  it('prunes only on parameters that decide the partition: the first compartment parameter of the type', () => {
    for (const [type, params] of Object.entries(PARTITION_PARAMS)) {
      const first = patientCompartmentParams(type)[0];
      expect([type, params.includes(first)]).toEqual([type, true]);
    }
  });
});
