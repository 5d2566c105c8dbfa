import { evalFhirPath } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { getSearchParameterRegistry, SearchParameterRegistry } from './search-parameter-registry';
import { CONFORMANCE_TYPES, SUPPORTED_TYPES, WRITABLE_TYPES } from './supported-types';

const registry = getSearchParameterRegistry();

describe('supported types', () => {
  it('lists the 21 clinical types and the 5 read-only conformance types', () => {
    expect(WRITABLE_TYPES).toHaveLength(21);
    expect(SUPPORTED_TYPES).toEqual([...WRITABLE_TYPES, ...CONFORMANCE_TYPES]);
    expect(WRITABLE_TYPES).not.toContain('StructureDefinition');
  });
});

describe('SearchParameterRegistry', () => {
  it('is a singleton', () => {
    expect(getSearchParameterRegistry()).toBe(registry);
  });

  it('splits a multi-base expression down to the type', () => {
    const patient = registry.getParameter('Observation', 'patient');
    expect(patient).toMatchObject({
      code: 'patient',
      type: 'reference',
      resourceType: 'Observation',
      expression: 'Observation.subject.where(resolve() is Patient)',
      url: 'http://hl7.org/fhir/SearchParameter/clinical-patient',
      target: ['Patient'],
      searchable: true,
    });
    expect(patient?.parsed.toString()).toContain('resolve()');
    expect(registry.getParameter('AllergyIntolerance', 'patient')?.expression).toBe('AllergyIntolerance.patient');
  });

  it('gives every supported type the Resource parameters, rooted at the type', () => {
    for (const type of SUPPORTED_TYPES) {
      expect(registry.getParameter(type, '_tag')?.expression).toBe(`${type}.meta.tag`);
      expect(registry.getParameter(type, '_profile')?.type).toBe('uri');
      expect(registry.getParameter(type, '_security')?.type).toBe('token');
      expect(registry.getParameter(type, '_source')?.type).toBe('uri');
    }
  });

  it('marks _id and _lastUpdated as columns and leaves them out of the indexed parameters', () => {
    expect(registry.getParameter('Patient', '_id')?.column).toBe('id');
    expect(registry.getParameter('Patient', '_lastUpdated')?.column).toBe('lastUpdated');
    const indexed = registry.getIndexedParameters('Patient').map((d) => d.code);
    expect(indexed).not.toContain('_id');
    expect(indexed).not.toContain('_lastUpdated');
    expect(indexed).toContain('_tag');
  });

  it('keeps composite and special parameters listed but not searchable', () => {
    expect(registry.getParameter('Observation', 'code-value-quantity')).toMatchObject({
      type: 'composite',
      searchable: false,
    });
    expect(registry.getParameter('Location', 'near')).toMatchObject({ type: 'special', searchable: false });
    expect(registry.getParameter('Patient', '_text')).toMatchObject({ searchable: false, expression: '' });
    const indexed = registry.getIndexedParameters('Observation').map((d) => d.code);
    expect(indexed).not.toContain('code-value-quantity');
  });

  it('serves only the supported types', () => {
    expect(registry.getParameters('Account')).toEqual([]);
    expect(registry.getParameter('Account', 'subject')).toBeUndefined();
    expect(registry.getParameter('Observation', 'nonsense')).toBeUndefined();
  });

  it('parses every expression once, and every parsed expression evaluates', () => {
    for (const type of SUPPORTED_TYPES) {
      for (const def of registry.getParameters(type)) {
        if (!def.searchable) continue;
        expect(def.parsed.toString().length).toBeGreaterThan(0);
        expect(() => evalFhirPath(def.parsed, { resourceType: type })).not.toThrow();
      }
    }
  });

  it('adds (and replaces) a definition of our own', () => {
    const own = new SearchParameterRegistry([], ['AuditEvent', 'Patient']);
    const purposeOfUse: SearchParameter = {
      resourceType: 'SearchParameter',
      url: 'https://kartoteka.example/fhir/SearchParameter/auditevent-purpose-of-use',
      name: 'purpose-of-use',
      status: 'active',
      description: 'The purpose of use of the recorded access',
      code: 'purpose-of-use',
      base: ['AuditEvent'],
      type: 'token',
      expression: 'AuditEvent.purposeOfEvent | AuditEvent.agent.purposeOfUse',
    };
    own.addDefinition(purposeOfUse);
    expect(own.getParameters('AuditEvent').map((d) => d.code)).toEqual(['purpose-of-use']);
    expect(own.getIndexedParameters('AuditEvent')).toHaveLength(1);
    own.addDefinition({ ...purposeOfUse, expression: 'AuditEvent.purposeOfEvent' });
    expect(own.getParameter('AuditEvent', 'purpose-of-use')?.expression).toBe('AuditEvent.purposeOfEvent');
    expect(own.getIndexedParameters('AuditEvent')[0].expression).toBe('AuditEvent.purposeOfEvent');
    expect(own.getParameters('Patient')).toEqual([]);
  });

  it('refuses a definition whose expression does not parse', () => {
    const own = new SearchParameterRegistry([], ['Patient']);
    expect(() =>
      own.addDefinition({
        resourceType: 'SearchParameter',
        url: 'urn:x',
        name: 'x',
        status: 'active',
        description: 'x',
        code: 'x',
        base: ['Patient'],
        type: 'token',
        expression: 'Patient.name.where(',
      }),
    ).toThrow();
  });
});
