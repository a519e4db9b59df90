import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Stats } from '@app/contracts';
import { RequireScope } from '../auth/scopes.decorator';
import { StatsService } from './stats.service';

@ApiTags('stats')
@ApiSecurity('api-key')
@Controller('api/v1/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'Files, hosts, blobs, stored and logical bytes, dedup ratio' })
  async get(): Promise<Stats> {
    return this.stats.stats();
  }
}
