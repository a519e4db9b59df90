import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SqliteMetadataStore } from '@app/metadata';
import { MemoryBlobStore } from '@app/storage';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load-config';
import { createApp } from '../main';

/** The admin key every app fixture starts with. */
export const ADMIN_KEY = 'admin-key-of-the-app-fixture';

/** The whole server as `main` builds it (hooks, parsers, routes), in process, on in-memory stores; driven by `inject`. */
export interface AppFixture {
  app: NestFastifyApplication;
  store: MemoryBlobStore;
  metadata: SqliteMetadataStore;
  /** A request as Fastify's `inject` takes it, sent with `key` (default: the admin key; null: none). */
  request(options: InjectOptions, key?: string | null): Promise<LightMyRequestResponse>;
  /** The secret of a new key with these scopes. */
  key(...scopes: Array<'read' | 'write' | 'admin'>): Promise<string>;
  close(): Promise<void>;
}

/** Starts the app on fresh in-memory stores; `env` adds to its configuration (load shedding is off). */
export async function appFixture(env: Record<string, string> = {}): Promise<AppFixture> {
  // A data directory of its own (content of unknown digest is spooled there), removed at close.
  const dataDir = mkdtempSync(join(tmpdir(), 'hoard-app-'));
  const config = loadConfig({
    HOARD_DATA_DIR: dataDir,
    HOARD_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    HOARD_LOG_LEVEL: 'silent',
    HOARD_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const store = new MemoryBlobStore();
  const metadata = new SqliteMetadataStore({ path: ':memory:' });
  const app = await createApp(config, { blobs: store, metadata });
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  const request = (options: InjectOptions, key: string | null = ADMIN_KEY) =>
    fastify.inject({ ...options, headers: { ...(key === null ? {} : { 'x-api-key': key }), ...options.headers } });
  const key = async (...scopes: Array<'read' | 'write' | 'admin'>) => {
    const res = await request({ method: 'POST', url: '/api/v1/keys', payload: { name: scopes.join('+'), scopes } });
    return (res.json() as { key: string }).key;
  };
  const close = async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { app, store, metadata, request, key, close };
}

/** A `multipart/form-data` body of file parts, each [field name, bytes]; and its Content-Type. */
export function multipartBody(
  parts: Array<[string, Buffer]>,
  boundary = 'hoard-spec-boundary',
): { payload: Buffer; headers: Record<string, string> } {
  const chunks = parts.flatMap(([name, bytes]) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    bytes,
    Buffer.from('\r\n'),
  ]);
  return {
    payload: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
