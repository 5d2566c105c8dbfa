import { createHash } from 'node:crypto';
import { canonical, chainHash, columnsMatch, deriveColumns, GENESIS } from './audit-chain';

describe('the audit hash chain (docs/AUDIT.md)', () => {
  const row = { seq: '17', id: 'a-1', content: '{"resourceType":"AuditEvent","id":"a-1","note":"Ёж"}' };

  it('serialises a row canonically as seq, id and content separated by newlines, in UTF-8', () => {
    expect(canonical(row).toString('hex')).toBe(Buffer.from('17\na-1\n{"resourceType":"AuditEvent","id":"a-1","note":"Ёж"}', 'utf8').toString('hex'));
  });

  it('hashes SHA-256(previous hash || canonical row), starting from 32 zero bytes', () => {
    expect(GENESIS).toEqual(Buffer.alloc(32));
    const h1 = chainHash(GENESIS, row);
    const expected = createHash('sha256').update(Buffer.concat([Buffer.alloc(32), Buffer.from('17\na-1\n' + row.content, 'utf8')])).digest();
    expect(h1).toEqual(expected);
    // A known vector: anyone can recompute it from the documented definition.
    expect(chainHash(GENESIS, { seq: '1', id: 'x', content: '{}' }).toString('hex')).toBe(
      createHash('sha256').update(Buffer.concat([Buffer.alloc(32), Buffer.from('1\nx\n{}')])).digest('hex'),
    );
    const h2 = chainHash(h1, { ...row, seq: '18' });
    expect(h2).not.toEqual(chainHash(GENESIS, { ...row, seq: '18' }));
  });

  it('changes with any byte of seq, id or content', () => {
    const h = chainHash(GENESIS, row);
    expect(chainHash(GENESIS, { ...row, seq: '18' })).not.toEqual(h);
    expect(chainHash(GENESIS, { ...row, id: 'a-2' })).not.toEqual(h);
    expect(chainHash(GENESIS, { ...row, content: row.content.replace('Ёж', 'Еж') })).not.toEqual(h);
    // The separator keeps (seq, id) boundaries unambiguous.
    expect(chainHash(GENESIS, { seq: '1', id: '7\na-1', content: row.content })).not.toEqual(chainHash(GENESIS, { seq: '17', id: 'a-1', content: row.content }));
  });

  const event = {
    resourceType: 'AuditEvent',
    id: 'a-1',
    type: { code: 'rest' },
    subtype: [{ code: 'read' }],
    action: 'R',
    recorded: '2026-03-01T10:00:00.123Z',
    outcome: '0',
    purposeOfEvent: [{ coding: [{ code: 'BTG' }] }],
    entity: [
      { what: { reference: 'Observation/1' }, role: { code: '4' } },
      { what: { reference: 'Patient/p-2' }, role: { code: '1' } },
      { what: { reference: 'Patient/p-1' }, role: { code: '1' } },
    ],
  };
  const columns = {
    id: 'a-1', recordedMs: Date.parse('2026-03-01T10:00:00.123Z'), type: 'rest', subtype: 'read', action: 'R', outcome: '0',
    purpose: ['BTG'], patients: ['p-1', 'p-2'],
  };

  it('derives the search columns from the content', () => {
    expect(deriveColumns(JSON.stringify(event))).toEqual(columns);
    expect(deriveColumns('not json')).toBeUndefined();
    expect(deriveColumns('{"resourceType":"Patient"}')).toBeUndefined();
  });

  it('notices a search column that no longer says what the content says', () => {
    const text = JSON.stringify(event);
    expect(columnsMatch(columns, text)).toBe(true);
    expect(columnsMatch({ ...columns, patients: ['p-2', 'p-1'] }, text)).toBe(true);
    expect(columnsMatch({ ...columns, patients: ['p-1'] }, text)).toBe(false);
    expect(columnsMatch({ ...columns, outcome: '4' }, text)).toBe(false);
    expect(columnsMatch({ ...columns, recordedMs: columns.recordedMs + 1 }, text)).toBe(false);
    expect(columnsMatch({ ...columns, purpose: null }, text)).toBe(false);
    expect(columnsMatch({ ...columns, action: 'E' }, text)).toBe(false);
  });
});
