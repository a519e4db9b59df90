import { Controller, Get } from '@nestjs/common';
import { Stats, StatsSchema } from '@app/contracts';
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
    responses: { 200: { description: 'Totals across every host', schema: StatsSchema } },
  })
  async get(): Promise<Stats> {
    return this.stats.stats();
  }
}
