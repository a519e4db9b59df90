import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError, toHoardError, withoutInternals } from './error-mapping';

/**
 * Maps every error to the one error shape of API.md: the handlers' errors and, through Fastify's error handler,
 * those of its hooks, parsers and validators. Anything unexpected is logged and answered as a 500 without internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    let error = toHoardError(exception);
    if (error.code === 'internal_error') {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    } else if (error.code === 'unavailable') {
      this.logger.warn(`unavailable: ${error.message}; ${describeCause(exception)}`);
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
