import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, Dispatcher, request } from 'undici';
import { HoardError } from '@app/contracts';
import { HoardHttpError } from './hoard-http.error';
import { FileBody, FileBodyError, NodeAgents, ReadBufferPool, sendFile } from './file-upload';
import { RetryPolicy } from './retry-policy';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
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
}

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  userAgent: string;
  retry: RetryPolicy;
  /** Parallel connections to the server (default 32). */
  connections?: number;
}

/** Codes of errors raised before a request reached the server: retrying is safe for any method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH']);

/** undici with keep-alive, the API key, retries of transient failures and errors rebuilt as HoardError. */
export class HttpTransport {
  private readonly agent: Agent;
  /** File uploads go through node:http, whose write callbacks say when a buffer may be reused. */
  private readonly nodeAgents: NodeAgents;
  private readonly buffers = new ReadBufferPool();
  private readonly base: string;

  constructor(private readonly options: TransportOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.agent = new Agent({ connections: options.connections ?? 32, keepAliveTimeout: 10_000 });
    this.nodeAgents = new NodeAgents(options.connections ?? 32);
  }

  /** Sends the request, retrying what is safe to retry. Resolves with a 2xx (or accepted) response, whose body the caller must consume. */
  async send(req: TransportRequest): Promise<Dispatcher.ResponseData> {
    const idempotent = req.idempotent ?? req.method !== 'POST';
    const url = this.url(req.path, req.query);
    return this.retrying(req, idempotent, readBody, async () => {
      let bodyError: unknown;
      try {
        const body = this.body(req);
        if (body instanceof Readable) body.once('error', (err) => (bodyError = err));
        return await request(url, { method: req.method, headers: this.headers(req), body, dispatcher: this.agent, idempotent });
      } catch (err) {
        throw bodyError === undefined ? err : new FileBodyError(bodyError);
      }
    });
  }

  /**
   * Sends `file` as the body of the request and parses the JSON answer, retrying as `send` does. The file is read
   * through buffers reused from one upload to the next (see {@link ReadBufferPool}); a file that cannot be read or
   * changed size fails with its own error, unretried.
   */
  async jsonFile<T>(req: Omit<TransportRequest, 'json' | 'body'>, file: FileBody): Promise<T> {
    const idempotent = req.idempotent ?? req.method !== 'POST';
    const url = new URL(this.url(req.path, req.query));
    const answer = await this.retrying(req, idempotent, async (a) => parseJsonOrNull(a.text), () =>
      sendFile(url, req.method, this.headers(req), file, this.nodeAgents, this.buffers),
    );
    return parseJson(answer.text) as T;
  }

  /**
   * Runs `attempt` until it succeeds, retrying connection failures (any method when nothing was sent, idempotent
   * ones otherwise) and transient statuses, with the policy's backoff. A failure of the body itself is thrown as is.
   */
  private async retrying<R extends { statusCode: number; headers: Record<string, string | string[] | undefined> }>(
    req: Pick<TransportRequest, 'accept' | 'what'>,
    idempotent: boolean,
    errorBody: (res: R) => Promise<unknown>,
    attempt: () => Promise<R>,
  ): Promise<R> {
    for (let n = 0; ; n++) {
      let res: R;
      try {
        res = await attempt();
      } catch (err) {
        if (err instanceof FileBodyError) throw err.cause;
        const code = (err as { code?: string }).code ?? '';
        const retryable = idempotent || NOT_SENT.has(code);
        if (retryable && this.options.retry.canRetry(n)) {
          await sleep(this.options.retry.delayMs(n));
          continue;
        }
        throw new HoardError('unavailable', `${req.what}: cannot reach ${this.base} (${describe(err)})`, {
          cause: err,
          details: { url: this.base },
        });
      }
      if ((res.statusCode >= 200 && res.statusCode < 300) || req.accept?.includes(res.statusCode)) return res;
      const error = HoardHttpError.fromResponse(res.statusCode, await errorBody(res), req.what);
      const retryable = res.statusCode === 429 || (idempotent && this.options.retry.isRetryableStatus(res.statusCode));
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
    const text = await res.body.text();
    return (text === '' ? null : JSON.parse(text)) as T;
  }

  /** Sends the request and discards the body. */
  async empty(req: TransportRequest): Promise<Dispatcher.ResponseData> {
    const res = await this.send(req);
    await res.body.dump();
    return res;
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    this.nodeAgents.close();
    await this.agent.close();
  }

  private url(path: string, query?: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) params.set(name, String(value));
    }
    const qs = params.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ''}`;
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

async function readBody(res: Dispatcher.ResponseData): Promise<unknown> {
  try {
    return parseJsonOrNull(await res.body.text());
  } catch {
    return null;
  }
}

/** An error answer's body, or null when it is not JSON. */
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

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code ?? e.message ?? String(err);
}
