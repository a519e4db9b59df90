import { Controller, Get, Res } from '@nestjs/common';
import { HoardError } from '@app/contracts';
import type { FastifyReply } from 'fastify';
import { Endpoint } from '../common/endpoint.decorator';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Endpoint({
    access: 'public',
    tag: 'health',
    summary: 'Prometheus metrics (404 when HOARD_METRICS=false)',
    responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    errors: [404],
  })
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    if (!this.config.HOARD_METRICS) throw new HoardError('not_found', 'Metrics are turned off (HOARD_METRICS=false)');
    const { contentType, body } = await this.metrics.render();
    reply.header('Content-Type', contentType).send(body);
  }
}
