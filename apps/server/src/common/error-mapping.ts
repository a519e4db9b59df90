import { HttpException } from '@nestjs/common';
import { ErrorCode, HoardError } from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { noteErrorCode } from '../logging/response-error';

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
  FST_FIELDS_LIMIT: 'invalid_request',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  410: 'gone',
  413: 'payload_too_large',
  415: 'invalid_request',
  416: 'range_not_satisfiable',
  422: 'digest_mismatch',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'unavailable',
};

/** Any error as the contract's error: HoardErrors keep their code, framework errors are translated, the rest is 500. */
export function toHoardError(exception: unknown): HoardError {
  if (exception instanceof HoardError) return exception;
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

/**
 * A store failure's message names server paths and the underlying system error: the client is told which store
 * is not answering, the log keeps the rest.
 */
export function withoutInternals(error: HoardError): HoardError {
  if (error.cause === undefined) return error;
  const store = /^(cannot open )?metadata/.test(error.message)
    ? 'The metadata store'
    : error.message.startsWith('blob store')
      ? 'The blob store'
      : 'A store';
  return new HoardError('unavailable', `${store} is not answering; try again later`);
}

/** True while a body the request declares has not been read to its end. */
export function bodyPending(request: FastifyRequest): boolean {
  const { headers } = request;
  const declared =
    headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
  return declared && !request.raw.complete;
}

/** How long a refused request's client may go on sending after the answer before the connection is cut. */
const LINGER_MS = 2_000;

/**
 * Answers a request whose body is still arriving with `Connection: close`, and closes the connection gently: the
 * answer is followed by a FIN while what the client is still sending is read and dropped (for at most
 * {@link LINGER_MS}), so that the client reads the answer instead of a reset. The body is never parsed.
 */
export function closeAfterAnswer(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('Connection', 'close');
  const socket = request.raw.socket;
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => clearTimeout(timer));
  };
}

/** Answers with the error shape; a body still arriving is left unread (see {@link closeAfterAnswer}). */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: HoardError): FastifyReply {
  if (error.code === 'rate_limited' && !reply.getHeader('retry-after')) reply.header('Retry-After', '1');
  if (bodyPending(request)) closeAfterAnswer(request, reply);
  noteErrorCode(reply.raw, error.code);
  return reply.status(error.status).header('content-type', 'application/json; charset=utf-8').send(error.toBody());
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
