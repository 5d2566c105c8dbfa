import { Controller, Get, HttpException, Inject, Res } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { MIGRATIONS } from '../../migrations';
import { Database } from '../database/database';
import { Metrics } from './metrics';
import { Readiness } from './readiness';

/** Liveness, readiness and metrics (CONTRACT.md, Operations): no token, no PHI. */
@Controller()
export class HealthController {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicator: HealthIndicatorService,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  /** Liveness: the process answers. Never touches the database (a slow database is not a dead process). */
  @Get('healthz')
  healthz(@Res() reply: FastifyReply): void {
    reply.header('Cache-Control', 'no-store').send({ status: 'ok' });
  }

  @Get('readyz')
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    const checks = [
      () => this.database(),
      () => this.migrations(),
      ...this.readiness.entries().map(([name, check]) => async () => {
        const r = await check().catch(() => ({ ok: false, detail: { error: 'check failed' } }));
        return r.ok ? this.indicator.check(name).up(r.detail ?? {}) : this.indicator.check(name).down(r.detail ?? {});
      }),
    ];
    try {
      const result = await this.health.check(checks);
      reply.header('Cache-Control', 'no-store').send(result);
    } catch (e) {
      const body = e instanceof HttpException ? e.getResponse() : { status: 'error' };
      reply.status(503).header('Cache-Control', 'no-store').send(body);
    }
  }

  @Get('metrics')
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    reply.header('Content-Type', this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }

  private async database() {
    const session = this.indicator.check('database');
    try {
      await this.db.query('SELECT 1');
      return session.up();
    } catch {
      return session.down({ message: 'unreachable' });
    }
  }

  private async migrations() {
    const session = this.indicator.check('migrations');
    try {
      const res = await this.db.query<{ name: string }>('SELECT name FROM typeorm_migrations');
      const applied = new Set(res.rows.map((r) => r.name));
      const pending = MIGRATIONS.map((m) => m.name).filter((n) => !applied.has(n));
      return pending.length ? session.down({ pending: pending.length }) : session.up({ applied: applied.size });
    } catch {
      return session.down({ message: 'unknown' });
    }
  }
}
