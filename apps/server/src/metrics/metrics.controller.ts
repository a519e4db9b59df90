import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HoardError } from '@app/contracts';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/scopes.decorator';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    if (!this.config.HOARD_METRICS) throw new HoardError('not_found', 'Metrics are turned off (HOARD_METRICS=false)');
    const { contentType, body } = await this.metrics.render();
    reply.header('Content-Type', contentType).send(body);
  }
}
