import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpLogger } from 'pino-http';
import { storage, Store } from 'nestjs-pino/storage';
import { rememberRequest } from './request-summary';

/** The raw request as pino-http leaves it: with its own logger, bound to its id. */
type LoggedRaw = FastifyRequest['raw'] & { log?: FastifyRequest['log'] };

/**
 * Starts a request's logging: pino-http binds its logger to the request id (the client's `X-Request-Id` or a new
 * one), the id is echoed in `X-Request-Id`, and the line of the request is written when its answer is done. Safe to
 * call twice. Returns the request's logger.
 */
export function startRequestLog(httpLogger: HttpLogger, request: FastifyRequest, reply: FastifyReply): FastifyRequest['log'] {
  const raw = request.raw as LoggedRaw;
  if (!raw.log) {
    httpLogger(request.raw, reply.raw);
    rememberRequest(request, reply);
    reply.header('X-Request-Id', request.id);
  }
  request.log = raw.log!;
  return request.log;
}

/**
 * Logs every request with pino-http, as the first thing that happens to it (before load shedding and the key check,
 * so that refused requests have their line too).
 *
 * With `bindServiceLines` (HOARD_LOG_REQUEST_CONTEXT), the rest of its handling runs in nestjs-pino's request context:
 * a line any service logs through Nest's logger while handling it carries its `request_id` (the context is entered
 * again before the handler, as a body that arrives later is read outside of it). Off by default: that context is an
 * AsyncLocalStorage, and on Node 20 one in use hooks every promise of the process, which took 12-15% of the server's
 * time on a first scan of 100,000 small files. A failed request's own line always carries its id and error code.
 */
export function registerRequestLogging(fastify: FastifyInstance, httpLogger: HttpLogger, bindServiceLines = false): void {
  if (!bindServiceLines) {
    fastify.addHook('onRequest', (request, reply, done) => {
      startRequestLog(httpLogger, request, reply);
      done();
    });
    return;
  }
  fastify.addHook('onRequest', (request, reply, done) => {
    const log = startRequestLog(httpLogger, request, reply);
    storage.run(new Store(log as never), done);
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    storage.run(new Store(request.log as never), done);
  });
}
