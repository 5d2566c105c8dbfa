import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Database } from '../database/database';

/** Liveness and readiness (CONTRACT.md, Operations): no token, no PHI. */
@Controller()
export class HealthController {
  constructor(@Inject(Database) private readonly db: Database) {}

  @Get('healthz')
  healthz(@Res() reply: FastifyReply): void {
    reply.header('Cache-Control', 'no-store').send({ status: 'ok' });
  }

  @Get('readyz')
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    try {
      await this.db.query('SELECT 1 FROM typeorm_migrations LIMIT 1');
      reply.header('Cache-Control', 'no-store').send({ status: 'ready' });
    } catch {
      reply.status(503).header('Cache-Control', 'no-store').send({ status: 'unavailable' });
    }
  }
}
