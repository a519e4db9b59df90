import type { ServerResponse } from 'node:http';

const ERROR_CODE = Symbol('hoard.errorCode');

type Marked = ServerResponse & { [ERROR_CODE]?: string };

/** Notes the error code a response answers with, for the request's log line. */
export function noteErrorCode(res: ServerResponse, code: string): void {
  (res as Marked)[ERROR_CODE] = code;
}

/** The error code noted for this response, if it is an error. */
export function errorCodeOf(res: ServerResponse): string | undefined {
  return (res as Marked)[ERROR_CODE];
}
