import underPressure from '@fastify/under-pressure';
import { HoardError } from '@app/contracts';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getHeapStatistics } from 'node:v8';
import { routeAccess } from '../auth/access-control';
import { noteErrorCode } from '../logging/response-error';
import { bodyPending, closeAfterAnswer } from './error-mapping';

/** Seconds a shed client is told to wait. */
const RETRY_AFTER_SECONDS = 5;

export interface PressureLimits {
  /** Mean event-loop delay over which requests are shed; 0 turns the check off. */
  maxEventLoopDelayMs: number;
  /** V8 heap in use over which requests are shed; 0 means 90% of the heap limit. */
  maxHeapBytes: number;
}

/**
 * Sheds load before it queues: while the event loop lags or the heap is nearly full, every request except the
 * liveness and readiness probes is answered `503` with `Retry-After` at once, its body unread, so that the work
 * already accepted finishes and `/health` keeps answering.
 */
export async function registerLoadShedding(app: NestFastifyApplication, limits: PressureLimits): Promise<void> {
  const maxHeapBytes = limits.maxHeapBytes || Math.floor(getHeapStatistics().heap_size_limit * 0.9);
  await app.register(underPressure as never, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: maxHeapBytes,
    pressureHandler: (request: FastifyRequest, reply: FastifyReply, type: string) => {
      if (routeAccess(request).exemptFromPressure) return undefined;
      const what = type === 'heapUsedBytes' ? 'memory pressure' : 'load';
      reply.status(503).header('Retry-After', String(RETRY_AFTER_SECONDS)).header('content-type', 'application/json; charset=utf-8');
      if (bodyPending(request)) closeAfterAnswer(request, reply);
      noteErrorCode(reply.raw, 'unavailable');
      return new HoardError('unavailable', `The server is under ${what}; retry in ${RETRY_AFTER_SECONDS} s`).toBody();
    },
  });
}
