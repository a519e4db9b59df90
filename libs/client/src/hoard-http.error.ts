import { ERROR_STATUS, ErrorCode, HoardError, HoardErrorOptions, isErrorCode } from '@app/contracts';

/**
 * A HoardError rebuilt from a non-2xx response: the server's code, message and details, plus the HTTP status
 * the response actually carried.
 */
export class HoardHttpError extends HoardError {
  readonly httpStatus: number;

  constructor(code: ErrorCode, message: string, httpStatus: number, options: HoardErrorOptions = {}) {
    super(code, message, options);
    this.name = 'HoardHttpError';
    this.httpStatus = httpStatus;
  }

  override get status(): number {
    return this.httpStatus;
  }

  /** Builds the error from a status and a parsed body; falls back to the status when the body is not the contract's shape. */
  static fromResponse(status: number, body: unknown, what: string): HoardHttpError {
    const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
    if (error && isErrorCode(error.code)) {
      const message = typeof error.message === 'string' ? error.message : `${what} failed with ${status}`;
      const details = error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : undefined;
      return new HoardHttpError(error.code, message, status, { details });
    }
    return new HoardHttpError(codeForStatus(status), `${what} failed with HTTP ${status}`, status);
  }
}

/** The contract's code for a bare status (the first code mapped to it), or a generic one. */
export function codeForStatus(status: number): ErrorCode {
  for (const [code, mapped] of Object.entries(ERROR_STATUS)) if (mapped === status) return code as ErrorCode;
  if (status >= 500) return 'unavailable';
  return 'invalid_request';
}
