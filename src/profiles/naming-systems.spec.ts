import { OMS_SYSTEM, SNILS_SYSTEM } from '../seed/identifier-systems';
import { candidateCriteria } from './patient-candidates';
import { sameContent } from './conformance-store';
import { loadProfilePackage } from './profile-package';
import { identitySystems } from './profiles.module';

describe('the NamingSystems decide the identity systems', () => {
  const systems = identitySystems(loadProfilePackage());

  it('SNILS and OMS, as the seed writes them', () => {
    expect([...systems]).toEqual(['urn:oid:1.2.643.2.69.1.1.1.6.228', 'urn:oid:1.2.643.100.3']);
    expect(systems).toContain(SNILS_SYSTEM);
    expect(systems).toContain(OMS_SYSTEM);
  });

  it('takes the preferred uri uniqueId of identifier NamingSystems only', () => {
    const ns = (id: string, kind: string, uniqueId: object[]) => ({ resourceType: 'NamingSystem', id, kind, uniqueId }) as never;
    expect([
      ...identitySystems({
        definitions: [
          ns('a', 'identifier', [{ type: 'oid', value: '1.2.3' }, { type: 'uri', value: 'urn:oid:1.2.3', preferred: true }]),
          ns('b', 'codesystem', [{ type: 'uri', value: 'urn:oid:9.9' }]),
          ns('c', 'identifier', [{ type: 'uri', value: 'urn:x:1' }, { type: 'uri', value: 'urn:x:2' }]),
        ],
      }),
    ]).toEqual(['urn:oid:1.2.3', 'urn:x:1']);
  });
});

describe('candidateCriteria ($match lookups in the index tables)', () => {
  const systems = new Set([SNILS_SYSTEM, OMS_SYSTEM]);

  it('looks a Cyrillic family name up as written and transliterated, a Latin one also guessed back', () => {
    expect(candidateCriteria({ name: [{ family: 'Щукина' }, { family: 'Shchukina' }] }, systems).families).toEqual([
      'щукина',
      'shchukina',
    ]);
    expect(candidateCriteria({ name: [{ family: 'Kuznetsov' }] }, systems).families).toEqual(['kuznetsov', 'кузнецов']);
  });

  it('identifiers as sent for the token index, SNILS/OMS normalised for patient_identity; a full birth date only', () => {
    const c = candidateCriteria(
      { identifier: [{ system: SNILS_SYSTEM, value: '112-233-445 95' }, { value: 'no-system' }], birthDate: '1980-04-12' },
      systems,
    );
    expect(c.identifiers).toEqual([{ system: SNILS_SYSTEM, value: '112-233-445 95' }]);
    expect(c.identity).toEqual([{ system: SNILS_SYSTEM, value: '11223344595' }]);
    expect(c.birthDate).toEqual({ low: new Date('1980-04-12T00:00:00.000Z'), high: new Date('1980-04-12T23:59:59.999Z') });
    expect(candidateCriteria({ birthDate: '1980-04' }, systems).birthDate).toBeUndefined();
  });
});

describe('sameContent (conformance resources are rewritten only when changed)', () => {
  const sd = { resourceType: 'StructureDefinition', id: 'x', url: 'u', status: 'active' };
  it('ignores the meta the server sets, not the content', () => {
    const stored = { resourceType: 'StructureDefinition', id: 'x', meta: { versionId: '3', lastUpdated: '2024-01-01T00:00:00Z' }, url: 'u', status: 'active' };
    expect(sameContent(stored, sd)).toBe(true);
    expect(sameContent(stored, { ...sd, status: 'retired' })).toBe(false);
    expect(sameContent({ ...stored, meta: { ...stored.meta, tag: [{ code: 't' }] } }, sd)).toBe(false);
  });
});
