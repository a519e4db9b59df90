import { HoardError } from '@app/contracts';

/**
 * A failure of the multipart parser as the contract's error. Fastify's multipart errors (limits, a bad content
 * type) carry their status and pass through to the exception filter; anything else the parser raises means the body
 * is not well-formed multipart: a client error, not the server's.
 */
export function multipartFailure(error: unknown): unknown {
  if (error instanceof HoardError) return error;
  if (typeof (error as { statusCode?: unknown } | null)?.statusCode === 'number') return error;
  const reason = error instanceof Error ? error.message : 'unreadable';
  return new HoardError('invalid_request', `The multipart body is malformed (${reason})`);
}
