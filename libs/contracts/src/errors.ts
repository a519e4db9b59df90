/** Every error code of the API contract, with the HTTP status it maps to. */
export const ERROR_STATUS = {
  invalid_request: 400,
  validation_failed: 400,
  invalid_digest: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  payload_too_large: 413,
  range_not_satisfiable: 416,
  digest_mismatch: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal_error: 500,
  unavailable: 503,
  insufficient_storage: 507,
  unsupported_media_type: 415,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The one error shape every non-2xx response carries. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: Record<string, unknown>;
  };
}

export interface HoardErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * A typed error with a stable code. Libraries throw it; the server maps it to the error shape and status
 * of API.md; the client rebuilds it from a response.
 */
export class HoardError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: HoardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HoardError';
    this.code = code;
    this.details = options.details;
  }

  /** HTTP status of this error's code. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, value);
}
