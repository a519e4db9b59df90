import { Controller, Get } from '@nestjs/common';
import { HealthSchema, ReadySchema, ServerInfo, ServerInfoSchema } from '@app/contracts';
import { Endpoint } from '../common/endpoint.decorator';
import { SERVER_VERSION } from '../version';
import { HealthService, Readiness } from './health.service';

@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Endpoint({
    access: 'public',
    tag: 'health',
    summary: 'Name, version and where the docs are',
    responses: { 200: { description: 'The server', schema: ServerInfoSchema } },
  })
  info(): ServerInfo {
    return { name: 'hoard', version: SERVER_VERSION, docs: '/docs' };
  }

  @Get('health')
  @Endpoint({
    access: 'public',
    tag: 'health',
    summary: 'Liveness: 200 while the process runs (answered even while the server sheds load)',
    responses: { 200: { description: 'Alive', schema: HealthSchema } },
    exemptFromPressure: true,
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Endpoint({
    access: 'public',
    tag: 'health',
    summary: 'Readiness: 200 when the metadata store and the blob store answer, else 503',
    responses: { 200: { description: 'Both stores answer', schema: ReadySchema } },
    exemptFromPressure: true,
  })
  ready(): Promise<Readiness> {
    return this.health.ready();
  }
}
