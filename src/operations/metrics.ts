import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Pool } from 'pg';

/**
 * Prometheus metrics (CONTRACT.md, Operations): requests by interaction and status, latency
 * histograms, pool use; other modules add their own gauges (audit seal lag, export jobs) to the
 * same registry. Labels are bounded and carry no PHI.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'kartoteka_http_requests_total',
    help: 'HTTP requests by FHIR interaction and status',
    labelNames: ['interaction', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'kartoteka_http_request_duration_seconds',
    help: 'HTTP request latency by FHIR interaction',
    labelNames: ['interaction'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  constructor(pool: Pool) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kartoteka_' });
    const reg = this.registry;
    new Gauge({ name: 'kartoteka_db_pool_total', help: 'Connections open in the pool', registers: [reg], collect() { this.set(pool.totalCount); } });
    new Gauge({ name: 'kartoteka_db_pool_idle', help: 'Idle connections in the pool', registers: [reg], collect() { this.set(pool.idleCount); } });
    new Gauge({ name: 'kartoteka_db_pool_waiting', help: 'Queries waiting for a connection', registers: [reg], collect() { this.set(pool.waitingCount); } });
  }

  observe(interaction: string, status: number, seconds: number): void {
    this.requests.inc({ interaction, status: String(status) });
    this.latency.observe({ interaction }, seconds);
  }

  /** A counter with bounded labels (never PHI); returns its increment. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): (labels: Record<L, string>) => void {
    const c = new Counter({ name, help, labelNames, registers: [this.registry] });
    return (labels) => c.inc(labels);
  }

  /** A gauge whose value is read at scrape time. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({ name, help, registers: [this.registry], collect() { this.set(read()); } });
  }
}
