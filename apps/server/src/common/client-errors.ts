import { ErrorCode, HoardError } from '@app/contracts';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

function errorFor(code: string | undefined): HoardError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new HoardError('request_timeout', 'The request did not arrive in time');
  if (code === 'HPE_HEADER_OVERFLOW') return new HoardError('headers_too_large', 'The request headers are larger than the server accepts');
  const what: Record<string, string> = {
    HPE_INVALID_CONTENT_LENGTH: 'its Content-Length is not a valid length',
    HPE_UNEXPECTED_CONTENT_LENGTH: 'it carries both Content-Length and Transfer-Encoding',
    HPE_INVALID_TRANSFER_ENCODING: 'its Transfer-Encoding is not valid',
    HPE_INVALID_HEADER_TOKEN: 'a header name or value holds a character that is not allowed',
    HPE_INVALID_METHOD: 'its method is not valid',
    HPE_INVALID_URL: 'its URL is not valid',
    HPE_INVALID_CHUNK_SIZE: 'a chunk size of its body is not valid',
  };
  const reason = (code && what[code]) ?? 'it is not well-formed HTTP/1.1';
  return new HoardError('invalid_request' as ErrorCode, `The request cannot be read: ${reason}`);
}

/**
 * Answers the errors Node's HTTP parser and timers raise before any route runs (a bad Content-Length, headers too
 * large, a request that took too long) with the contract's error shape, then closes the connection. There is no
 * request yet: `log` gets a warning with the error code and the parser's reason.
 */
export function clientErrorHandler(log: Pick<Logger, 'warn'>) {
  return (err: Error & { code?: string }, socket: Socket): void => answerClientError(err, socket, log);
}

function answerClientError(err: Error & { code?: string }, socket: Socket, log: Pick<Logger, 'warn'>): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error = errorFor(err.code);
  log.warn({ context: 'HTTP', error_code: error.code, reason: err.code ?? err.message, status: error.status }, 'unreadable request');
  if (socket.writable) {
    const body = JSON.stringify(error.toBody());
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
