import { ErrorCode, HoardError, isErrorCode } from '@app/contracts';
import { Server } from '@tus/server';
import type { CancellationContext } from '@tus/utils';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { withoutInternals } from '../common/error-mapping';
import { noteErrorCode } from '../logging/response-error';

/**
 * The statuses the tus server answers by itself, as the contract's codes. tus answers a missing `Upload-Offset` or
 * `Content-Type` with `403`, and an extension it lacks with `501`: neither is about keys or the server, and both
 * are checked before tus sees a request, so they read as the bad requests they are should one slip through.
 */
const CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  403: 'invalid_request',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'digest_mismatch',
  501: 'invalid_request',
  503: 'unavailable',
  507: 'insufficient_storage',
};

/** Plain words for tus's own messages, which end in a newline and speak of files. */
function messageOf(body: string): string {
  const text = body.trim().replace(/^The file for this url/, 'The upload at this URL');
  return text || 'The upload request failed';
}

/** A tus error answer (`{status_code, body}`), a HoardError, or anything else, as the contract's error. */
export function errorOfTus(error: unknown): HoardError {
  if (error instanceof HoardError) return error.code === 'unavailable' ? withoutInternals(error) : error;
  const tus = error as { status_code?: unknown; body?: unknown } | undefined;
  if (typeof tus?.status_code === 'number') {
    const code = CODES[tus.status_code] ?? (tus.status_code >= 500 ? 'internal_error' : 'invalid_request');
    return new HoardError(code, code === 'internal_error' ? 'Internal error' : messageOf(String(tus.body ?? '')));
  }
  return new HoardError('internal_error', 'Internal error');
}

/** An error answer that is already in the contract's shape (written by {@link errorOfTus}'s caller). */
function contractCode(body: string): ErrorCode | null {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return isErrorCode(code) ? code : null;
  } catch {
    return null;
  }
}

/**
 * tus's server, answering every error in the contract's shape: the errors its handlers throw go through
 * `onResponseError` (see UploadsService), and the answers it writes by itself (a malformed header, …) are rewritten
 * here, the one place every answer of the server passes.
 */
export class HoardTusServer extends Server {
  override write(
    context: CancellationContext,
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body = '',
    headers: Record<string, string | number> = {},
  ): ServerResponse {
    if (status < 400) return super.write(context, req, res, status, body, headers);
    const known = contractCode(body);
    const error = known ? null : errorOfTus({ status_code: status, body });
    const code = known ?? error!.code;
    noteErrorCode(res, code);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    const answer = error ? JSON.stringify(error.toBody()) : body;
    return super.write(context, req, res, error ? error.status : status, answer, headers);
  }
}
