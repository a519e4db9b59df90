import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { ErrorCode, HoardError } from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { schemaValidationError } from './schema-errors';

/** Fastify's own error codes, translated into the contract's codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'invalid_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
  FST_ERR_BAD_URL: 'invalid_request',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'invalid_request',
  FST_PARTS_LIMIT: 'payload_too_large',
  FST_FILES_LIMIT: 'payload_too_large',
  FST_FIELDS_LIMIT: 'payload_too_large',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'invalid_request',
  410: 'gone',
  413: 'payload_too_large',
  415: 'invalid_request',
  416: 'range_not_satisfiable',
  422: 'digest_mismatch',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Maps every error to the one error shape of API.md. HoardErrors keep their code; framework errors are translated;
 * anything unexpected is logged and answered as a 500 without internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    let error = this.toHoardError(exception);
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
    if (error.code === 'rate_limited' && !reply.getHeader('retry-after')) reply.header('Retry-After', '1');
    // A body left unread (an upload refused part-way) is not drained: the connection closes after the answer.
    if (!request.raw.complete) reply.header('Connection', 'close');
    reply.status(error.status).header('content-type', 'application/json; charset=utf-8').send(error.toBody());
  }

  private toHoardError(exception: unknown): HoardError {
    if (exception instanceof HoardError) return exception;
    const validation = (exception as { validation?: unknown })?.validation;
    if (Array.isArray(validation)) return schemaValidationError(validation);
    if (exception instanceof ThrottlerException) return new HoardError('rate_limited', 'Too many requests for this key; retry later');
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = STATUS_CODES[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request');
      return new HoardError(code, status === 404 ? 'No such route' : messageOf(exception), { cause: exception });
    }
    const fastifyCode = (exception as { code?: string })?.code;
    if (fastifyCode && FASTIFY_CODES[fastifyCode]) {
      return new HoardError(FASTIFY_CODES[fastifyCode], (exception as Error).message, { cause: exception });
    }
    const statusCode = (exception as { statusCode?: number })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return new HoardError(STATUS_CODES[statusCode] ?? 'invalid_request', (exception as Error).message, { cause: exception });
    }
    return new HoardError('internal_error', 'Internal error', { cause: exception });
  }
}

/**
 * A store failure's message names server paths and the underlying system error: the client is told which store
 * is not answering, the log keeps the rest.
 */
function withoutInternals(error: HoardError): HoardError {
  if (error.cause === undefined) return error;
  const store = /^(cannot open )?metadata/.test(error.message) ? 'The metadata store' : error.message.startsWith('blob store') ? 'The blob store' : 'A store';
  return new HoardError('unavailable', `${store} is not answering; try again later`);
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

function describeCause(exception: unknown): string {
  const cause = (exception as { cause?: unknown })?.cause;
  if (cause instanceof Error) return cause.message;
  return exception instanceof Error ? exception.message : String(exception);
}
