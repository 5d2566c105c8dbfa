import pino, { Logger } from 'pino';

/**
 * Structured logs with no PHI: we log ids of requests, resource types and ids, statuses and
 * timings; never bodies, names or identifiers. Redaction is a second line of defence.
 */
export function createLogger(level = 'info'): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: ['req.headers.authorization', 'authorization', 'body', 'resource', '*.body', '*.resource'],
      censor: '[redacted]',
    },
  });
}

export const LOGGER = Symbol('LOGGER');
