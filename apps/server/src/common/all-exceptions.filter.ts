import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError, toHoardError, withoutInternals } from './error-mapping';

/**
 * Maps every error to the one error shape of API.md: the handlers' errors and, through Fastify's error handler,
 * those of its hooks, parsers and validators. Anything unexpected is answered as a 500 without internals and its
 * stack trace logged once, on the request's logger (so with its request id); a store not answering is logged as a
 * warning with its cause.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    let error = toHoardError(exception);
    if (error.code === 'internal_error') {
      request.log.error({ err: exception, context: 'Errors' }, 'internal error');
    } else if (error.code === 'unavailable') {
      request.log.warn({ context: 'Errors' }, `unavailable: ${error.message}; ${describeCause(exception)}`);
      error = withoutInternals(error);
    }
    if (reply.sent || reply.raw.headersSent) {
      // The body was already streaming: the only honest signal left is to cut the connection.
      reply.raw.destroy();
      return;
    }
    sendError(request, reply, error);
  }
}

function describeCause(exception: unknown): string {
  const cause = (exception as { cause?: unknown })?.cause;
  if (cause instanceof Error) return cause.message;
  return exception instanceof Error ? exception.message : String(exception);
}
