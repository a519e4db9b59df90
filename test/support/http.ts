import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Agent, FormData } from 'undici';
import { checkAgainstDocument } from './openapi';
import { RunningServer, StartOptions, startServer } from './server';

/** One answered request, its body read whole (the specs only send and read small bodies this way). */
export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = any>(): T;
  /** A header as one string ('' when absent). */
  header(name: string): string;
}

export interface CallOptions {
  /** Sent as X-API-Key (an `x-api-key` in `headers` wins); defaults to the key of the `Http`. */
  key?: string;
  headers?: Record<string, string>;
  /** Serialised as JSON with Content-Type application/json. */
  json?: unknown;
  /** Sent as is; a Readable without Content-Length goes chunked; FormData as multipart. */
  body?: string | Buffer | Readable | FormData;
  query?: Record<string, string | number | boolean | undefined>;
}

/** No connection reuse between calls: a request the server cut off must not spoil the next one. */
const dispatcher = new Agent({ pipelining: 0, keepAliveTimeout: 1, connections: 256 });

/**
 * Raw HTTP calls with exact control over headers, bodies and status codes. Every answer is checked against the
 * server's own /openapi.json (status, media type, JSON schema) unless `checked` is false: a call whose answer the
 * document does not describe throws.
 */
export class Http {
  constructor(
    readonly baseUrl: string,
    readonly key?: string,
    readonly checked = true,
  ) {}

  /** The same server with another key (or none). */
  as(key: string | undefined): Http {
    return new Http(this.baseUrl, key, this.checked);
  }

  /** The same server and key, answers not checked against the document (for servers that are meant to break). */
  unchecked(): Http {
    return new Http(this.baseUrl, this.key, false);
  }

  /** Sends one request and reads the whole answer; never throws for an HTTP status, only for a broken connection. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<HttpResult> {
    const headers: Record<string, string> = {};
    const key = options.key ?? this.key;
    if (key !== undefined) headers['x-api-key'] = key;
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    Object.assign(headers, options.headers);
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query.set(name, String(value));
    }
    // The path goes out exactly as given (no dot-segment resolution), so specs can send `../` as a client might.
    const target = query.size > 0 ? `${path}?${query}` : path;
    const res = await dispatcher.request({ origin: this.baseUrl, path: target, method: method as 'GET', headers, body });
    const buffer = Buffer.from(await res.body.arrayBuffer());
    const text = buffer.toString('utf8');
    if (this.checked) {
      const contentType = String(res.headers['content-type'] ?? '');
      const problems = await checkAgainstDocument(this.baseUrl, {
        method,
        path: target,
        status: res.statusCode,
        contentType,
        body: buffer,
      });
      if (problems.length > 0) throw new Error(`answer outside /openapi.json: ${problems.join('; ')}`);
    }
    return {
      status: res.statusCode,
      headers: res.headers,
      body: buffer,
      text,
      json: () => JSON.parse(text),
      header: (name) => {
        const value = res.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : (value ?? '');
      },
    };
  }

  get(path: string, options?: CallOptions) {
    return this.call('GET', path, options);
  }
  head(path: string, options?: CallOptions) {
    return this.call('HEAD', path, options);
  }
  delete(path: string, options?: CallOptions) {
    return this.call('DELETE', path, options);
  }
  post(path: string, json: unknown, options: CallOptions = {}) {
    return this.call('POST', path, { ...options, json });
  }
  /** PUT of raw bytes as application/octet-stream. */
  put(path: string, body: CallOptions['body'], options: CallOptions = {}) {
    return this.call('PUT', path, { ...options, body, headers: { 'content-type': 'application/octet-stream', ...options.headers } });
  }

  /** Uploads content under its own digest and expects it stored (201 or 200). */
  async upload(content: Buffer): Promise<string> {
    const sha = sha256(content);
    const res = await this.put(`/api/v1/blobs/${sha}`, content);
    if (res.status !== 201 && res.status !== 200) throw new Error(`upload failed: ${res.status} ${res.text}`);
    return sha;
  }

  /** Mints a key with these scopes using this (admin) key; returns the secret and id. */
  async mintKey(scopes: string[], name = `k-${scopes.join('-')}`, expiresAt?: string): Promise<{ id: string; key: string }> {
    const res = await this.post('/api/v1/keys', { name, scopes, ...(expiresAt ? { expires_at: expiresAt } : {}) });
    if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${res.text}`);
    const body = res.json();
    return { id: body.id, key: body.key };
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Random content and its digest. */
export function randomContent(size = 1024): { data: Buffer; sha: string } {
  const data = randomBytes(size);
  return { data, sha: sha256(data) };
}

export const EMPTY_SHA = sha256(Buffer.alloc(0));

/** A file record request with a random path on `hostname`. */
export function fileMeta(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    hostname: 'host-a',
    filepath: `/data/${randomBytes(6).toString('hex')}.bin`,
    sha256: randomContent(32).sha,
    size: 32,
    ...overrides,
  };
}

/**
 * Asserts the contract's error shape with this status and code, and that the body carries no stack frame or server
 * path (`serverPaths` are directories the server must never reveal, e.g. its data dir).
 */
export function expectError(res: HttpResult, status: number, code: string, serverPaths: string[] = []): any {
  const context = `${res.status} ${res.text.slice(0, 500)}`;
  expect({ status: res.status, context }).toEqual({ status, context });
  expect(res.header('content-type')).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  for (const key of Object.keys(body.error)) expect(['code', 'message', 'details']).toContain(key);
  expectNoLeak(res, serverPaths);
  return body.error;
}

/** No stack trace frames and none of these server paths in the body. */
export function expectNoLeak(res: HttpResult, serverPaths: string[] = []): void {
  expect(res.text).not.toMatch(/\bat [^\s]+ \(|\bat \/|node:internal|\.js:\d+:\d+/);
  for (const path of serverPaths) expect(res.text).not.toContain(path);
}

/** Asserts a 2xx status, showing the body when it is not. */
export function expectStatus(res: HttpResult, status: number): void {
  const context = `${res.status} ${res.text.slice(0, 500)}`;
  expect({ status: res.status, context }).toEqual({ status, context });
}

/** Every file under `<dataDir>/blobs`, relative to it (`ab/ab…`, `.tmp/…`), sorted: what a spec checks on disk. */
export function blobFilesOnDisk(dataDir: string): string[] {
  const root = join(dataDir, 'blobs');
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), path);
      else out.push(path);
    }
  };
  if (existsSync(root)) walk(root, '');
  return out.sort();
}

/** Where the local store keeps a verified blob. */
export function blobPath(dataDir: string, sha: string): string {
  return join(dataDir, 'blobs', sha.slice(0, 2), sha);
}

/**
 * Writes bytes to the server over a plain socket and returns what it answered (the request should say
 * `Connection: close`). With `hangUp`, the socket is destroyed right after the last write, as a client that dies.
 */
export async function rawExchange(
  port: number,
  chunks: Array<string | Buffer>,
  options: { hangUp?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(received).toString('utf8'));
    }, options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (received.length > 0 || options.hangUp) resolve(Buffer.concat(received).toString('utf8'));
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(received).toString('utf8'));
    });
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      }
      if (options.hangUp) socket.destroy();
    });
  });
}

/** A server started for the enclosing `describe`, with clients holding its admin key and a fresh write and read key. */
export interface ServerWithKeys {
  server: RunningServer;
  admin: Http;
  writer: Http;
  reader: Http;
}

/** Starts a server before the enclosing `describe`'s tests (handing it to `ready`) and stops it after them. */
export function useServerWithKeys(ready: (s: ServerWithKeys) => void, options?: StartOptions): void {
  let server: RunningServer | undefined;
  beforeAll(async () => {
    server = await startServer(options);
    const admin = new Http(server.url, server.adminKey);
    const writer = admin.as((await admin.mintKey(['write'])).key);
    const reader = admin.as((await admin.mintKey(['read'])).key);
    ready({ server, admin, writer, reader });
  });
  afterAll(async () => {
    await server?.stop();
  });
}
