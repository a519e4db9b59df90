import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ByteRateLimit, HoardError } from '@app/contracts';
import { DEADLINE, describeConnectionError } from './connection-errors';
import { HoardHttpError } from './hoard-http.error';
import { FileBody, BodyError, ReadBufferPool, sendFile } from './file-upload';
import { CONNECT_TIMEOUT, NodeAgents, readText, startRequest, whenDone } from './node-request';
import { throttled } from './throttled-body';

import type { QueryValue, TransportOptions, TransportRequest, TransportResponse } from './transport.types';
export type { HttpMethod, QueryValue, TransportOptions, TransportRequest, TransportResponse } from './transport.types';

/** Codes of errors raised before a request reached the server: retrying is safe for any method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', CONNECT_TIMEOUT, 'EHOSTUNREACH']);

/**
 * node:http with keep-alive, the API key, retries of transient failures and errors rebuilt as HoardError. Node's
 * own client loads with the runtime, so a command pays nothing to start one; files are sent through reused buffers.
 */
export class HttpTransport {
  private readonly agents: NodeAgents;
  private readonly buffers = new ReadBufferPool();
  private readonly base: string;
  private readonly limit: ByteRateLimit | null;

  constructor(private readonly options: TransportOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.agents = new NodeAgents(options.connections ?? 32);
    this.limit = options.rateLimit ?? (options.limitRate ? new ByteRateLimit(options.limitRate) : null);
  }

  /** Sends the request, retrying what is safe to retry. Resolves with a 2xx (or accepted) response, whose body the caller must consume. */
  async send(req: TransportRequest): Promise<TransportResponse> {
    const url = this.url(req.path, req.query);
    return this.retrying(req, readErrorBody, () => this.attempt(url, req));
  }

  /**
   * Sends `file` as the body of the request and parses the JSON answer, retrying as `send` does. The file is read
   * through buffers reused from one upload to the next (see {@link ReadBufferPool}); a file that cannot be read or
   * changed size fails with its own error, unretried.
   */
  async jsonFile<T>(req: Omit<TransportRequest, 'json' | 'body'>, file: FileBody): Promise<T> {
    const url = this.url(req.path, req.query);
    const answer = await this.retrying(
      req,
      async (a) => parseJsonOrNull(a.text),
      () => sendFile(url, req.method, this.headers(req), file, this.agents, this.buffers, this.limit),
    );
    return parseJson(answer.text) as T;
  }

  /**
   * Runs `attempt` until it succeeds, retrying connection failures (any method when nothing was sent, idempotent
   * ones otherwise) and transient statuses, with the policy's backoff. A failure of the body itself is thrown as is.
   */
  private async retrying<R extends { statusCode: number; headers: IncomingHttpHeaders }>(
    req: Pick<TransportRequest, 'method' | 'idempotent' | 'accept' | 'what' | 'deadlineMs'>,
    errorBody: (res: R) => Promise<unknown>,
    attempt: () => Promise<R>,
  ): Promise<R> {
    const idempotent = req.idempotent ?? req.method !== 'POST';
    for (let n = 0; ; n++) {
      let res: R;
      try {
        res = await attempt();
      } catch (err) {
        if (err instanceof BodyError) throw err.cause;
        const code = (err as { code?: string }).code ?? '';
        const retryable = (idempotent || NOT_SENT.has(code)) && req.deadlineMs === undefined;
        if (retryable && this.options.retry.canRetry(n)) {
          await sleep(this.options.retry.delayMs(n));
          continue;
        }
        throw new HoardError('unavailable', `cannot reach ${this.base} (${describeConnectionError(err)})`, {
          cause: err,
          details: { url: this.base },
        });
      }
      if ((res.statusCode >= 200 && res.statusCode < 300) || req.accept?.includes(res.statusCode)) return res;
      const error = HoardHttpError.fromResponse(res.statusCode, await errorBody(res), req.what);
      const retryable =
        req.deadlineMs === undefined && (res.statusCode === 429 || (idempotent && this.options.retry.isRetryableStatus(res.statusCode)));
      if (retryable && this.options.retry.canRetry(n)) {
        await sleep(this.options.retry.delayMs(n, res.headers['retry-after']));
        continue;
      }
      throw error;
    }
  }

  /** Sends the request and parses the JSON answer (null for an empty body). */
  async json<T>(req: TransportRequest): Promise<T> {
    const res = await this.send(req);
    return parseJson(await res.text()) as T;
  }

  /** Sends the request and discards the body. */
  async empty(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.send(req);
    await res.dump();
    return res;
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    this.agents.close();
  }

  /**
   * One attempt: resolves once the answer's head has arrived. A failure of a streamed body is rejected as a
   * BodyError (never retried); the request is then aborted, so the server keeps nothing of it.
   */
  private attempt(url: URL, req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      let body: Readable | Buffer | string | undefined;
      try {
        body = this.body(req);
      } catch (err) {
        return reject(new BodyError(err));
      }
      const headers = this.headers(req);
      if (typeof body === 'string' || Buffer.isBuffer(body)) headers['content-length'] ??= String(Buffer.byteLength(body));
      if (this.limit && req.json === undefined && body !== undefined) body = throttled(body, this.limit);
      const request = startRequest(url, req.method, headers, this.agents);
      if (req.deadlineMs !== undefined) {
        const timer = setTimeout(
          () => request.destroy(Object.assign(new Error('no answer in time'), { code: DEADLINE, deadlineMs: req.deadlineMs })),
          req.deadlineMs,
        );
        request.once('close', () => clearTimeout(timer));
        request.once('response', () => clearTimeout(timer));
      }
      let bodyError: unknown;
      request.on('error', (err) => {
        if (body instanceof Readable) body.destroy();
        reject(bodyError === undefined ? err : new BodyError(bodyError));
      });
      request.on('response', (res) => resolve(responseOf(request, res)));
      if (body instanceof Readable) {
        body.once('error', (err) => {
          bodyError = err;
          request.destroy(err);
        });
        body.pipe(request);
      } else {
        request.end(body);
      }
    });
  }

  private url(path: string, query?: Record<string, QueryValue>): URL {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) params.set(name, String(value));
    }
    const qs = params.toString();
    return new URL(`${this.base}${path}${qs ? `?${qs}` : ''}`);
  }

  private headers(req: TransportRequest): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent, ...req.headers };
    if (req.auth !== false && this.options.apiKey) headers['x-api-key'] = this.options.apiKey;
    if (req.json !== undefined) headers['content-type'] = 'application/json';
    return headers;
  }

  private body(req: TransportRequest): Readable | Buffer | string | undefined {
    if (req.json !== undefined) return JSON.stringify(req.json);
    return req.body?.();
  }
}

/** A node:http answer with the helpers the transport's callers use. */
function responseOf(req: ClientRequest, res: IncomingMessage): TransportResponse {
  return {
    statusCode: res.statusCode ?? 0,
    headers: res.headers,
    body: res,
    text: () => readText(req, res),
    dump: () => {
      const done = whenDone(req, res);
      res.resume();
      return done;
    },
  };
}

/** An error answer's body as JSON, or null when it is not JSON or cannot be read. */
function readErrorBody(res: TransportResponse): Promise<unknown> {
  return res.text().then(parseJsonOrNull, () => null);
}

function parseJsonOrNull(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return null;
  }
}

function parseJson(text: string): unknown {
  return text === '' ? null : JSON.parse(text);
}
