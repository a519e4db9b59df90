import type { ServerResponse } from 'node:http';
import type { Level, Logger } from 'pino';
import { HttpLogger, pinoHttp } from 'pino-http';
import { requestIdOf } from './request-id';
import { summarize } from './request-summary';

/** The level of a request's line by its outcome: `error` for 5xx, `warn` for 4xx or an answer cut off, else `info`. */
export function levelOf(res: ServerResponse): Level {
  if (res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400 || !res.writableEnded) return 'warn';
  return 'info';
}

/**
 * pino-http, writing one `request` line when each answer is done: method, route, status, key id, bytes in and out,
 * duration, the error code of a failed request, whether the answer was written whole. Every line it and the
 * request's logger write carries `request_id`.
 */
export function createHttpLogger(root: Logger): HttpLogger {
  const line = (req: Parameters<typeof summarize>[0], res: ServerResponse, val: Record<string, unknown>) => ({
    ...summarize(req, res),
    duration_ms: val.duration_ms,
  });
  return pinoHttp({
    logger: root,
    genReqId: (req) => requestIdOf(req),
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    customLogLevel: (_req, res) => levelOf(res),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
    customSuccessObject: (req, res, val) => line(req, res, val),
    customErrorObject: (req, res, _error, val) => line(req, res, val),
  });
}
