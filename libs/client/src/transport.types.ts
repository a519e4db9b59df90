import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { RetryPolicy } from './retry-policy';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | undefined | null;

/** One request as the client describes it; the transport adds the key, retries and error mapping. */
export interface TransportRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, QueryValue>;
  /** A JSON body (serialised once; safe to resend). */
  json?: unknown;
  /** A raw body; a factory so that a retry can send it again from the start. */
  body?: () => Readable | Buffer | string;
  headers?: Record<string, string>;
  /** Whether sending twice is harmless. Default: true for every method but POST. */
  idempotent?: boolean;
  /** Send the API key (default true). */
  auth?: boolean;
  /** Statuses besides 2xx returned to the caller rather than thrown (e.g. 304). */
  accept?: number[];
  /** A few words naming the operation, for messages. */
  what: string;
  /** One attempt only, failing when no answer arrived within this many milliseconds (a quick check of the server). */
  deadlineMs?: number;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  userAgent: string;
  retry: RetryPolicy;
  /** Parallel connections to the server (default 32). */
  connections?: number;
  /** Bytes per second that raw bodies (content uploads) may use in all; JSON bodies are not limited. */
  limitRate?: number;
}

/** A response whose status the caller accepted; its body must be consumed (`text`, `dump`) or destroyed. */
export interface TransportResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The body as it arrives. */
  body: Readable;
  /** The whole body as text. */
  text(): Promise<string>;
  /** Reads the body away. */
  dump(): Promise<void>;
}
