import { buildBatchParams, joinContent } from './batch-writer';
import type { PreparedChange } from './stored-resource';

describe('batch parameters', () => {
  it('joins content columns with a control character, NULL as the empty string', () => {
    expect(joinContent(['{"a":1}', null, '{"b":"x\\u0001"}'])).toBe('{"a":1}\u0001\u0001{"b":"x\\u0001"}');
    expect(joinContent([])).toBe('');
    expect(() => joinContent(['{"a":"\u0001"}'])).toThrow('non-empty JSON text');
    expect(() => joinContent([''])).toThrow('non-empty JSON text');
  });

  it('sends a create, an update and a delete with their contents joined', () => {
    const lastUpdated = new Date('2026-01-02T03:04:05.678Z');
    const base = { resourceType: 'Patient', lastUpdated, index: null, deleted: false } as const;
    const changes: PreparedChange[] = [
      { ...base, isNew: true, rid: '1', id: 'a', versionId: 1, method: 'POST', content: '{"id":"a"}' },
      { ...base, isNew: false, rid: '2', id: 'b', versionId: 2, method: 'PUT', content: '{"id":"b"}' },
      { ...base, isNew: false, rid: '3', id: 'c', versionId: 3, method: 'DELETE', content: null, deleted: true },
    ];
    const p = buildBatchParams(changes);
    expect(p.slice(0, 7)).toEqual([['1'], ['Patient'], ['a'], [1], ['2026-01-02T03:04:05.678Z'], [false], '{"id":"a"}']);
    expect(p.slice(7, 12)).toEqual([['2', '3'], [2, 3], [lastUpdated.toISOString(), lastUpdated.toISOString()], [false, true], '{"id":"b"}\u0001']);
    expect(p[19]).toBe('{"id":"a"}\u0001{"id":"b"}\u0001');
    expect(p[20]).toEqual(['2', '3']);
  });
});
