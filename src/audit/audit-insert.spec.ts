import { buildAuditRecord } from './audit-event.builder';
import { INSERT_AUDIT_KNOWN_SQL, INSERT_AUDIT_SQL, insertAuditParams } from './audit-insert';

describe('insertAuditParams', () => {
  it('lays the events out as parallel arrays (the JSON heads as one separated text), one statement for the whole batch', () => {
    const ctx = { requestId: 'r', baseUrl: '', principal: { sub: 'u', roles: ['clinician' as const], fhirUser: { resourceType: 'Practitioner' as const, id: 'pr' } } };
    const at = new Date('2026-01-02T03:04:05.678Z');
    const a = buildAuditRecord({ ctx, type: 'rest', subtype: 'read', action: 'R', outcome: '0', entities: ['Observation/o'], rids: ['7'], id: 'a', recorded: at });
    const b = buildAuditRecord({
      ctx: { ...ctx, breakGlassReason: 'ER' }, type: 'rest', subtype: 'search-type', action: 'E', outcome: '0', entities: [], query: 'x=1',
      patients: ['p1'], lookups: ['Observation/o2'], id: 'b', recorded: at,
    });
    const v = insertAuditParams([a, b]);
    expect(v).toHaveLength(23);
    expect(v.slice(0, 8)).toEqual([
      ['a', 'b'], [at.toISOString(), at.toISOString()], ['rest', 'rest'], ['read', 'search-type'], ['R', 'E'], ['0', '0'], [null, 'BTG'], `${a.head}\u001e${b.head}`,
    ]);
    expect(v.slice(8, 11)).toEqual([[a.open, b.open], [a.close, b.close], [a.tail, b.tail]]);
    expect(v.slice(11, 18)).toEqual([[2], ['p1'], [1], ['7'], [2], ['Observation'], ['o2']]);
    expect(v[18]).toBe('{"what":{"reference":');
    expect(v.slice(20)).toEqual([
      [1, 1, 1, 2, 2, 2],
      ['a', 'i', 'e', 'a', 'i', 'u'],
      ['Practitioner/pr', 'u', 'Observation/o', 'Practitioner/pr', 'u', 'BTG'],
    ]);
    // JSON text never holds the separator unescaped, whatever the strings inside it hold.
    const c = buildAuditRecord({ ctx, type: 'rest', action: 'E', outcome: '4', outcomeDesc: 'bad \u001e value', entities: [], id: 'c', recorded: at });
    expect(c.head).not.toContain('\u001e');
    expect(insertAuditParams([c])[7]).toBe(c.head);
    // Every parameter the statement names is supplied, and no other.
    for (const sql of [INSERT_AUDIT_SQL, INSERT_AUDIT_KNOWN_SQL]) {
      const used = new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
      expect([...used].sort((x, y) => x - y)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    }
    // Events whose patients are all known (writes) skip the partitioned look-ups entirely.
    expect(INSERT_AUDIT_KNOWN_SQL).not.toMatch(/resource_compartment|JOIN resource /);
  });
});
