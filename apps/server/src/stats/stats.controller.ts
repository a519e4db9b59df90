import { Controller, Get } from '@nestjs/common';
import { Stats, StatsSchema } from '@app/contracts';
import { Tenancy, TenantScope } from '../auth/tenant-scope';
import { Endpoint } from '../common/endpoint.decorator';
import { StatsService } from './stats.service';

@Controller('api/v1/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @Endpoint({
    access: 'read',
    tag: 'stats',
    summary: 'Files, hosts, blobs, stored and logical bytes, dedup ratio, unreferenced and quarantined content',
    description: "To a key limited to tenants, the totals of its tenants' records and of the content they name.",
    responses: { 200: { description: 'Totals across every host (or the tenants of a limited key)', schema: StatsSchema } },
  })
  async get(@Tenancy() scope: TenantScope): Promise<Stats> {
    return this.stats.stats(scope);
  }
}
