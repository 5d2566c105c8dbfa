import { randomBytes } from 'node:crypto';
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
