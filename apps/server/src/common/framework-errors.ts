import { HoardError } from '@app/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { noteErrorCode } from '../logging/response-error';

/**
 * Answers the errors Fastify's router raises before any route runs (a malformed percent-encoding in the URL) with
 * the contract's error shape; by default they get Fastify's own body, which echoes the path.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message = error.code === 'FST_ERR_BAD_URL' ? 'The URL is malformed (bad percent-encoding)' : 'The URL cannot be routed';
  noteErrorCode(reply.raw, 'invalid_request');
  reply.status(400).header('content-type', 'application/json; charset=utf-8').send(new HoardError('invalid_request', message).toBody());
}
