import type { FastifyInstance } from 'fastify';
import type { AuthedRequest } from '../auth/access-control';
import type { MetricsService } from '../metrics/metrics.service';

function lengthOf(value: unknown): number {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * One structured log line and the metrics of every answered request: key id (never the key), route, status,
 * bytes in and out, duration.
 */
export function registerRequestHooks(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    const bytesIn = lengthOf(request.headers['content-length']);
    const bytesOut = lengthOf(reply.getHeader('content-length'));
    metrics.observe(request.method, route, reply.statusCode, seconds, bytesIn, bytesOut);
    request.log.info(
      {
        key_id: (request as AuthedRequest).apiKey?.id ?? null,
        method: request.method,
        route,
        status: reply.statusCode,
        bytes_in: bytesIn,
        bytes_out: bytesOut,
        duration_ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
}
