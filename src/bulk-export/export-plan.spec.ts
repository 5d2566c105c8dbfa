import type { AccessScope } from '../access/access-scope';
import type { Principal } from '../identity/principal';
import { getSearchParameterRegistry } from '../fhir/search/registry/search-parameter-registry';
import { exportTypes, parseExportParams, planExport } from './export-plan';

const q = (s: string) => new URLSearchParams(s);
const principal = (roles: Principal['roles']): Principal => ({ sub: 's', roles });

describe('parseExportParams', () => {
  it('reads _type, _since, _outputFormat and _typeFilter', () => {
    const p = parseExportParams(q('_type=Patient,Observation&_since=2024-01-31T00:00:00Z&_outputFormat=ndjson&_typeFilter=Observation%3Fcode%3D1,Observation%3Fstatus%3Dfinal'), false);
    expect(p.types).toEqual(['Patient', 'Observation']);
    expect(p.since?.toISOString()).toBe('2024-01-31T00:00:00.000Z');
    expect(p.typeFilters.get('Observation')!.map(String)).toEqual(['code=1', 'status=final']);
  });

  it.each(['_type=Nope', '_outputFormat=text/csv', '_since=2024-01-31', '_typeFilter=Observation', 'patient=Patient/1'])('400 for %s', (s) => {
    expect(() => parseExportParams(q(s), false)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('ignores unknown parameters with Prefer: handling=lenient', () => {
    expect(parseExportParams(q('patient=Patient/1'), true).types).toBeUndefined();
  });
});

describe('exportTypes', () => {
  it('defaults to every clinical type the role reads; AuditEvent only when named', () => {
    expect(exportTypes(principal(['admin']), 'system', parseExportParams(q(''), false))).not.toContain('AuditEvent');
    expect(exportTypes(principal(['auditor']), 'system', parseExportParams(q(''), false))).toEqual(['AuditEvent']);
    expect(() => exportTypes(principal(['auditor']), 'system', parseExportParams(q('_type=Patient'), false))).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => exportTypes(principal(['clinician']), 'system', parseExportParams(q('_type=AuditEvent'), false))).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => exportTypes(principal(['admin']), 'patient', parseExportParams(q('_type=AuditEvent'), false))).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('planExport', () => {
  const scope: AccessScope = {
    kind: 'test',
    predicate: (alias, bind) => `${alias}.id = ${bind('p1')}`,
    canSee: async () => true,
    assertWritable: async () => undefined,
  };
  const ctx = { registry: getSearchParameterRegistry(), baseUrl: 'http://x/fhir', now: new Date('2026-01-01T00:00:00Z'), scope };

  it('ANDs type, _since, the compartment and the access predicate, values bound', () => {
    const plan = planExport(['Observation'], parseExportParams(q('_since=2024-01-31T00:00:00Z'), false), { ...ctx, level: 'patient' });
    expect(plan.types).toHaveLength(1);
    const t = plan.types[0];
    expect(t.text).toContain('r.resource_type = $1');
    expect(t.text).toContain('NOT r.deleted');
    expect(t.text).toContain('r.last_updated >= $2::timestamptz');
    expect(t.text).toContain('EXISTS (SELECT 1 FROM resource_compartment pc WHERE pc.rid = r.rid)');
    expect(t.text).toContain('(r.id = $3)');
    expect(t.values).toEqual(['Observation', '2024-01-31T00:00:00.000Z', 'p1']);
  });

  it('compiles _typeFilter through the search engine, and refuses result parameters', () => {
    const plan = planExport(['Observation'], parseExportParams(q('_typeFilter=Observation%3Fstatus%3Dfinal'), false), { ...ctx, level: 'system' });
    expect(plan.types[0].text).toContain('sp_token');
    expect(plan.types[0].values).toContain('final');
    expect(() => planExport(['Observation'], parseExportParams(q('_typeFilter=Observation%3F_sort%3Ddate'), false), { ...ctx, level: 'system' })).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });
});
