import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { TestServer } from '../support/test-app';

/** Helpers shared by the search e2e specs (not a spec itself). */

export type R = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const TAG_SYSTEM = 'http://kartoteka.test/search-run';

/** A short unique prefix for ids and values, so exact result sets hold in a shared database. */
export function runId(): string {
  return `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Stamps every resource with the run's tag, so `_tag=` confines a search to the run's data. */
export function tagged<T extends R>(run: string, resource: T): T {
  return { ...resource, meta: { ...(resource.meta ?? {}), tag: [...(resource.meta?.tag ?? []), { system: TAG_SYSTEM, code: run }] } };
}

/** PUTs the resources (client ids) in one transaction. */
export async function load(s: TestServer, run: string, resources: R[]): Promise<void> {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => ({
      resource: tagged(run, r),
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    })),
  };
  const res = await s.api.post('/fhir').set('Content-Type', 'application/fhir+json').send(JSON.stringify(bundle));
  if (res.status !== 200) throw new Error(`load failed: ${res.status} ${res.text.slice(0, 500)}`);
}

export async function search(s: TestServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: R }> {
  const res = await s.api.get(path).set(headers);
  return { status: res.status, body: JSON.parse(res.text) };
}

/** The ids of the matches (search.mode = match) of a 200 searchset, sorted. */
export async function matchIds(s: TestServer, run: string, type: string, query: string): Promise<string[]> {
  const sep = query ? '&' : '';
  const { status, body } = await search(s, `/fhir/${type}?${query}${sep}_tag=${encodeURIComponent(`${TAG_SYSTEM}|${run}`)}&_count=1000`);
  if (status !== 200) throw new Error(`${type}?${query}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
  expect(body.resourceType).toBe('Bundle');
  expect(body.type).toBe('searchset');
  return (body.entry ?? [])
    .filter((e: R) => e.search?.mode === 'match')
    .map((e: R) => e.resource.id as string)
    .sort();
}

export function expectOutcome(res: { status: number; body: R }, status: number): void {
  expect(res.status).toBe(status);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue.length).toBeGreaterThan(0);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Random partial dates (`yyyy`, `yyyy-mm`, `yyyy-mm-dd`) in the given years. */
export function partialDates(minYear: number, maxYear: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: minYear, max: maxYear }), fc.option(fc.integer({ min: 1, max: 12 })), fc.option(fc.integer({ min: 1, max: 28 })))
    .map(([y, m, d]) => (m === null ? `${y}` : d === null ? `${y}-${pad(m)}` : `${y}-${pad(m)}-${pad(d)}`));
}

/** The implicit range [first ms, last ms] of a partial date (R4 search.html#date): `2020`, `2020-05`, `2020-05-17`. */
export function dateRange(d: string): [number, number] {
  const [y, m, day] = d.split('-').map(Number);
  if (m === undefined) return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1) - 1];
  if (day === undefined) return [Date.UTC(y, m - 1, 1), Date.UTC(y, m, 1) - 1];
  return [Date.UTC(y, m - 1, day), Date.UTC(y, m - 1, day + 1) - 1];
}

/**
 * A date search value (`[prefix]partial-date`) against a stored partial date, from the plain prefix
 * definitions of R4 search.html#prefix, independently of the engine's rewrites (the oracles' matcher).
 */
export function dateMatches(stored: string, v: string): boolean {
  const prefix = /^[a-z]{2}/.test(v) ? v.slice(0, 2) : 'eq';
  const [ql, qh] = dateRange(/^[a-z]{2}/.test(v) ? v.slice(2) : v);
  const [low, high] = dateRange(stored);
  const eq = ql <= low && high <= qh;
  return { eq, ne: !eq, gt: high > qh, lt: low < ql, ge: high > qh || eq, le: low < ql || eq, sa: low > qh, eb: high < ql }[prefix]!;
}
