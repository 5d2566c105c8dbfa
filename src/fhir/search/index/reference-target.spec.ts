import { parseReference, referenceTargetType } from './reference-target';

describe('parseReference', () => {
  it('reads a relative reference', () => {
    expect(parseReference('Patient/123')).toEqual({ targetType: 'Patient', targetId: '123', url: null });
  });

  it('drops the version of a versioned reference', () => {
    expect(parseReference('Observation/a.b-c/_history/7')).toEqual({
      targetType: 'Observation',
      targetId: 'a.b-c',
      url: null,
    });
  });

  it('keeps an absolute reference on another server as a URL only', () => {
    expect(parseReference('https://other.example/fhir/Patient/1')).toEqual({
      targetType: null,
      targetId: null,
      url: 'https://other.example/fhir/Patient/1',
    });
  });

  it('reads an absolute reference on this server as local, keeping the URL', () => {
    const bases = ['https://kartoteka.example/fhir/'];
    expect(parseReference('https://kartoteka.example/fhir/Patient/1/_history/2', bases)).toEqual({
      targetType: 'Patient',
      targetId: '1',
      url: 'https://kartoteka.example/fhir/Patient/1/_history/2',
    });
  });

  it('keeps URNs and other forms as URLs, and skips contained references', () => {
    expect(parseReference('urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0')).toEqual({
      targetType: null,
      targetId: null,
      url: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0',
    });
    expect(parseReference('patient/1')?.targetType).toBeNull();
    expect(parseReference('Patient/' + 'x'.repeat(65))?.targetType).toBeNull();
    expect(parseReference('#p1')).toBeUndefined();
    expect(parseReference('')).toBeUndefined();
  });
});

describe('referenceTargetType', () => {
  it.each([
    ['Patient/1', 'Patient'],
    ['Patient/1/_history/3', 'Patient'],
    ['https://other.example/fhir/Patient/1', 'Patient'],
    ['Group/1', 'Group'],
    ['#p1', undefined],
    ['urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0', undefined],
    [42, undefined],
  ])('%j names %j', (reference, type) => {
    expect(referenceTargetType(reference)).toBe(type);
  });
});
