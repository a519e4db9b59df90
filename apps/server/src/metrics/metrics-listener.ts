import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HoardError } from '@app/contracts';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AppConfig } from '../config/app-config';
import { METRICS_CHALLENGE, metricsKeyAllows } from './metrics-key';
import { MetricsService } from './metrics.service';

function sendError(res: ServerResponse, error: HoardError): void {
  const body = JSON.stringify(error.toBody());
  res.writeHead(error.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/**
 * Serves `GET /metrics` on a port of its own (HOARD_METRICS_PORT, on HOST) when one is configured, so that scrapes
 * can be kept off the API's port; HOARD_METRICS_KEY applies there too. Nothing else is answered on that port.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | null = null;

  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.HOARD_METRICS_PORT;
    if (!this.config.HOARD_METRICS || port === undefined) return;
    const server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`metrics served on http://${this.config.HOST}:${port}/metrics only`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.url ?? '').split('?')[0] !== '/metrics')
      return sendError(res, new HoardError('not_found', 'Only /metrics is served on this port'));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, new HoardError('method_not_allowed', `${req.method} is not allowed here; this path answers GET, HEAD`));
    }
    if (!metricsKeyAllows(this.config.HOARD_METRICS_KEY, req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', METRICS_CHALLENGE);
      return sendError(res, new HoardError('unauthorized', 'Metrics need the metrics key: send Authorization: Bearer <HOARD_METRICS_KEY>'));
    }
    try {
      const { contentType, body } = await this.metrics.render();
      res
        .writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) })
        .end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      sendError(res, new HoardError('internal_error', 'Internal error'));
    }
  }
}
