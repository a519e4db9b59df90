import rateLimit from '@fastify/rate-limit';
import { HoardError } from '@app/contracts';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AuthedRequest } from './access-control';

/**
 * Limits requests per API key (`HOARD_RATE_LIMIT` per `HOARD_RATE_LIMIT_WINDOW_SECONDS`), answered `429` with
 * `Retry-After` before the body is read. It runs after the key check; public routes carry no key and are never
 * limited, so probes and scrapers never see a 429.
 */
export async function registerRateLimit(app: NestFastifyApplication, max: number, windowSeconds: number): Promise<void> {
  await app.register(rateLimit as never, {
    global: true,
    hook: 'onRequest',
    max,
    timeWindow: windowSeconds * 1000,
    keyGenerator: (request: AuthedRequest) => `key:${request.apiKey?.id ?? ''}`,
    allowList: (request: AuthedRequest) => !request.apiKey,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
    errorResponseBuilder: (_request: unknown, context: { after: string }) =>
      new HoardError('rate_limited', `Too many requests for this key; retry in ${context.after}`),
  });
}
