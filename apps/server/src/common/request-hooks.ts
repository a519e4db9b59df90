import type { FastifyInstance } from 'fastify';
import { lengthOf } from '../logging/request-summary';
import type { MetricsService } from '../metrics/metrics.service';

/** The metrics of every answered request: route, status, bytes in and out, duration (its log line is pino-http's). */
export function registerRequestHooks(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    const bytesIn = lengthOf(request.headers['content-length']);
    const bytesOut = lengthOf(reply.getHeader('content-length'));
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000, bytesIn, bytesOut);
  });
}
