import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthedRequest } from '../auth/access-control';
import { errorCodeOf } from './response-error';

/** What the log line and the metrics say about one answered request (never the key itself). */
export interface RequestSummary {
  method: string;
  /** The route pattern (`/api/v1/blobs/:sha256`), or `unmatched`. */
  route: string;
  status: number;
  key_id: string | null;
  /** Request body bytes declared by Content-Length. */
  bytes_in: number;
  /** Response body bytes declared by Content-Length. */
  bytes_out: number;
  /** The error code answered, for a failed request. */
  error_code?: string;
  /** False when the connection closed before the server had written its whole answer. */
  completed: boolean;
}

const requests = new WeakMap<IncomingMessage, { request: FastifyRequest; reply: FastifyReply }>();

/** Ties a raw request to its Fastify request and reply, where the route, the key and the headers are known. */
export function rememberRequest(request: FastifyRequest, reply: FastifyReply): void {
  requests.set(request.raw, { request, reply });
}

/** A Content-Length header as a number of bytes (0 when absent or not a number). */
export function lengthOf(value: unknown): number {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The summary of a request whose answer is done (written, or cut off). */
export function summarize(raw: IncomingMessage, res: ServerResponse): RequestSummary {
  const known = requests.get(raw);
  const request = known?.request as AuthedRequest | undefined;
  const code = errorCodeOf(res);
  return {
    method: raw.method ?? 'GET',
    route: request?.routeOptions?.url ?? 'unmatched',
    status: res.statusCode,
    key_id: request?.apiKey?.id ?? null,
    bytes_in: lengthOf(raw.headers['content-length']),
    // Fastify hands its headers to writeHead: the reply, not the raw response, knows them.
    bytes_out: lengthOf(known ? known.reply.getHeader('content-length') : res.getHeader('content-length')),
    ...(code ? { error_code: code } : {}),
    completed: res.writableEnded,
  };
}
