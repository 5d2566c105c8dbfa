import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FhirHttpHandler } from './fhir-http.handler';

/** One entry point for the FHIR base; the FhirRouter does the routing (see fhir-router.ts). */
@Controller('fhir')
export class FhirController {
  constructor(@Inject(FhirHttpHandler) private readonly http: FhirHttpHandler) {}

  @All(['', '*'])
  handle(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.http.handle(req, reply);
  }
}
