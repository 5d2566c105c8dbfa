import type { ArgumentsHost } from '@nestjs/common';
import type { Logger } from 'pino';
import { serviceUnavailable } from '../errors/fhir-error';
import { OperationOutcomeFilter } from './operation-outcome.filter';

/** What the filter logged and answered for one exception. */
function run(exception: unknown) {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log = {
    error: (obj: Record<string, unknown>, msg: string) => lines.push({ level: 'error', obj, msg }),
    warn: (obj: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', obj, msg }),
  } as unknown as Logger;
  const sent: { status?: number; body?: string; headers: Record<string, string> } = { headers: {} };
  const reply = {
    header: (k: string, v: string) => ((sent.headers[k] = v), reply),
    getHeader: (k: string) => sent.headers[k],
    status: (s: number) => ((sent.status = s), reply),
    send: (b: string) => ((sent.body = b), reply),
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ id: 'req-1' }) }) } as unknown as ArgumentsHost;
  new OperationOutcomeFilter(log).catch(exception, host);
  return { lines, sent };
}

describe('OperationOutcomeFilter logging', () => {
  it('logs a 503 (database or audit log away) as one warn line without a stack', () => {
    const { lines, sent } = run(serviceUnavailable('The database is unavailable; retry later'));
    expect(sent.status).toBe(503);
    expect(JSON.parse(sent.body!).resourceType).toBe('OperationOutcome');
    expect(lines).toEqual([{ level: 'warn', obj: { reqId: 'req-1', status: 503 }, msg: expect.any(String) }]);
  });

  it('logs an unexpected error at error level with stack frames but not its message (it may quote values)', () => {
    const { lines, sent } = run(new Error('duplicate key value (Иванов)'));
    expect(sent.status).toBe(500);
    expect(sent.body).not.toContain('Иванов');
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe('error');
    expect(JSON.stringify(lines[0])).not.toContain('Иванов');
    expect((lines[0].obj.err as { stack: string }).stack).toMatch(/at /);
  });
});
