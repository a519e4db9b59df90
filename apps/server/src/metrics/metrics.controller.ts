import { Controller, Get, Req, Res } from '@nestjs/common';
import { HoardError } from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Endpoint } from '../common/endpoint.decorator';
import { AppConfig } from '../config/app-config';
import { METRICS_CHALLENGE, metricsKeyAllows } from './metrics-key';
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
    summary: 'Prometheus metrics',
    description:
      'No API key. 404 when HOARD_METRICS=false, or when the metrics are served on their own port (HOARD_METRICS_PORT); ' +
      'with HOARD_METRICS_KEY set, only `Authorization: Bearer <that key>` is answered (401 otherwise).',
    responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    errors: [401, 404],
  })
  async scrape(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.HOARD_METRICS) throw new HoardError('not_found', 'Metrics are turned off (HOARD_METRICS=false)');
    if (this.config.HOARD_METRICS_PORT !== undefined)
      throw new HoardError('not_found', 'Metrics are served on their own port (HOARD_METRICS_PORT)');
    if (!metricsKeyAllows(this.config.HOARD_METRICS_KEY, request.headers.authorization)) {
      reply.header('WWW-Authenticate', METRICS_CHALLENGE);
      throw new HoardError('unauthorized', 'Metrics need the metrics key: send Authorization: Bearer <HOARD_METRICS_KEY>');
    }
    const { contentType, body } = await this.metrics.render();
    reply.header('Content-Type', contentType).send(body);
  }
}
