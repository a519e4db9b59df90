import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Upload } from 'tus-js-client';
import { holdRequest, head as requestHead, until } from './support/raw-http';
import { expectError, expectStatus, Http, randomContent, sha256 } from './support/http';
import { RunningServer, startServer } from './support/server';
import { tusUpload } from './support/tus';

const MiB = 1024 * 1024;
const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The files of the unfinished uploads in a data dir. */
const uploadFiles = (dataDir: string) => (existsSync(join(dataDir, 'uploads')) ? readdirSync(join(dataDir, 'uploads')).sort() : []);

/** Polls `check` every 100 ms until it holds, for at most `ms`. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('server: resumable uploads over tus (local storage)', () => {
  let server: RunningServer;
  let admin: Http;
  let writer: Http;
  beforeAll(async () => {
    server = await startServer();
    admin = new Http(server.url, server.adminKey);
    writer = admin.as((await admin.mintKey(['write'])).key);
  });
  afterAll(() => server?.stop());

  const create = (sha: string, length: number, key = writer) =>
    key.call('POST', '/api/v1/uploads', { headers: { ...TUS, 'upload-length': String(length), 'upload-metadata': `sha256 ${b64(sha)}` } });

  it('takes a blob from tus-js-client, cut midway by the client and resumed from the offset the server kept', async () => {
    const { data, sha } = randomContent(24 * MiB);
    const first = await tusUpload(server.url, writer.key!, data, sha, { abortAt: 8 * MiB, chunkSize: 2 * MiB });
    expect(first.outcome).toBe('aborted');
    let offset = 0;
    await eventually('the server holds part of the upload', async () => {
      offset = Number((await writer.head(new URL(first.url!).pathname, { headers: TUS })).header('upload-offset'));
      return offset > 0;
    });
    expect(offset).toBeLessThan(data.length);
    expect((await admin.get(`/api/v1/blobs/${sha}`)).status).toBe(404);

    const second = await tusUpload(server.url, writer.key!, data, sha, { uploadUrl: first.url! });
    expect(second.outcome).toBe('success');
    expect(second.startedAt).toBeGreaterThanOrEqual(offset);
    expect(second.sent).toBe(data.length - second.startedAt);
    expect(second.sent).toBeLessThan(data.length);
    const got = await admin.get(`/api/v1/blobs/${sha}`);
    expect([got.status, got.body.equals(data)]).toEqual([200, true]);
    expect((await writer.head(new URL(first.url!).pathname, { headers: TUS })).status).toBe(404);
    expect(uploadFiles(server.dataDir)).toEqual([]);
  });

  it('takes an object (bucket and key) from tus-js-client, cut midway and resumed: the next version, with its options', async () => {
    const { data, sha } = randomContent(20 * MiB);
    const metadata = { bucket: 'workspace', key: 'team-a/big file.bin', filetype: 'application/x-big', ttl_seconds: '86400' };
    const first = await tusUpload(server.url, writer.key!, data, sha, { metadata, abortAt: 6 * MiB, chunkSize: 2 * MiB });
    expect(first.outcome).toBe('aborted');
    const second = await tusUpload(server.url, writer.key!, data, sha, { metadata, uploadUrl: first.url! });
    expect(second.outcome).toBe('success');
    expect(second.sent).toBeLessThan(data.length);
    const got = await writer.get('/api/v1/objects/workspace/team-a/big%20file.bin');
    expect([got.status, got.header('content-type'), got.header('x-hoard-version'), got.header('etag')]).toEqual([
      200,
      'application/x-big',
      '1',
      `"${sha}"`,
    ]);
    expect(got.body.equals(data)).toBe(true);
    expect(got.header('x-hoard-expires-at')).not.toBe('');
    expect(uploadFiles(server.dataDir)).toEqual([]);
  });

  // 3 MiB is copied into the store; 17 MiB is hashed in place and would be linked in (16 MiB and more).
  it.each([3, 17])(
    'answers the last PATCH of %i MiB of bytes that do not match 422 digest_mismatch: nothing visible, the upload discarded',
    async (mib) => {
      const { sha } = randomContent(16);
      const other = randomContent(mib * MiB).data;
      const run = await tusUpload(server.url, writer.key!, other, sha);
      expect(run.outcome).toBe('error');
      expect(run.status).toBe(422);
      expect(JSON.parse(run.body!).error.code).toBe('digest_mismatch');
      expect((await admin.get(`/api/v1/blobs/${sha}`)).status).toBe(404);
      expect((await admin.get(`/api/v1/blobs/${sha256(other)}`)).status).toBe(404);
      expect((await writer.head(new URL(run.url!).pathname, { headers: TUS })).status).toBe(404);
      expect(uploadFiles(server.dataDir)).toEqual([]);
    },
  );

  it('terminates an upload: its bytes go, it answers 404 afterwards', async () => {
    const { data, sha } = randomContent(8 * MiB);
    const run = await tusUpload(server.url, writer.key!, data, sha, { abortAt: 2 * MiB, chunkSize: MiB });
    expect(run.outcome).toBe('aborted');
    expect(uploadFiles(server.dataDir)).toHaveLength(2);
    await Upload.terminate(run.url!, { headers: { 'X-API-Key': writer.key! } });
    expect(uploadFiles(server.dataDir)).toEqual([]);
    expect((await writer.head(new URL(run.url!).pathname, { headers: TUS })).status).toBe(404);
  });

  it('answers every tus request as /openapi.json documents it', async () => {
    const { data, sha } = randomContent(1000);
    const options = await writer.as(undefined).call('OPTIONS', '/api/v1/uploads');
    expect([options.status, options.header('tus-version'), options.header('tus-max-size')]).toEqual([204, '1.0.0', String(1024 ** 4)]);
    const created = await create(sha, 1000);
    expectStatus(created, 201);
    const path = created.header('location');
    expect(path).toMatch(/^\/api\/v1\/uploads\/[0-9a-f]{48}$/);
    const patch = (offset: number, body: Buffer, headers: Record<string, string> = {}) =>
      writer.call('PATCH', path, {
        body,
        headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), ...headers },
      });
    expectStatus(await patch(0, data.subarray(0, 100)), 204);
    expectError(await patch(50, data.subarray(50)), 409, 'conflict');
    expectError(await patch(100, data.subarray(100), { 'content-type': 'application/octet-stream' }), 415, 'unsupported_media_type');
    expectError(await patch(100, data.subarray(100), { 'tus-resumable': '0.2.2' }), 412, 'precondition_failed');
    expectError(await create(sha, 1000, writer.as(undefined)), 401, 'unauthorized');
    const state = await writer.head(path, { headers: TUS });
    expect([state.status, state.header('upload-offset'), state.header('upload-length')]).toEqual([200, '100', '1000']);
    expectStatus(await patch(100, data.subarray(100)), 204);
    expect((await admin.get(`/api/v1/blobs/${sha}`)).body.equals(data)).toBe(true);
    expectError(await writer.call('DELETE', path, { headers: TUS }), 404, 'not_found');
  });

  it('answers a request without a valid key 401 before reading its body', async () => {
    const { sha } = randomContent(16);
    const created = await create(sha, 1024 ** 3);
    const path = created.header('location');
    for (const [method, target] of [
      ['PATCH', path],
      ['POST', '/api/v1/uploads'],
    ]) {
      const held = await holdRequest(server.port, [
        requestHead(method, target, {
          ...TUS,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': '0',
          'upload-length': String(1024 ** 3),
          'content-length': String(1024 ** 3),
        }),
        Buffer.alloc(64 * 1024),
      ]);
      await until(() => held.received().includes('\r\n\r\n'));
      expect(held.received()).toMatch(/^HTTP\/1\.1 401 /);
      held.socket.destroy();
    }
    expect((await writer.head(path, { headers: TUS })).header('upload-offset')).toBe('0');
  });
});

describe('server: a tus upload across a kill -9 and a restart (local storage)', () => {
  it('keeps the offset: the restarted server continues the upload where the killed one stopped', async () => {
    const first = await startServer();
    const writer = new Http(first.url, first.adminKey);
    const { data, sha } = randomContent(32 * MiB);
    let killed: Promise<void> | undefined;
    const run = await tusUpload(first.url, first.adminKey, data, sha, {
      chunkSize: 2 * MiB,
      onReach: { at: 12 * MiB, then: () => (killed = first.kill()) },
    });
    expect(run.outcome).toBe('error');
    await killed;
    expect(first.proc.signalCode).toBe('SIGKILL');
    const second = await startServer({ dataDir: first.dataDir, port: first.port, env: { HOARD_BOOTSTRAP_ADMIN_KEY: first.adminKey } });
    try {
      const path = new URL(run.url!).pathname;
      const offset = Number((await writer.head(path, { headers: TUS })).header('upload-offset'));
      expect(offset).toBeGreaterThanOrEqual(10 * MiB);
      const resumed = await tusUpload(second.url, second.adminKey, data, sha, { uploadUrl: run.url!, chunkSize: 2 * MiB });
      expect(resumed.outcome).toBe('success');
      expect(resumed.startedAt).toBe(offset);
      expect(resumed.sent).toBe(data.length - offset);
      expect((await writer.get(`/api/v1/blobs/${sha}`)).body.equals(data)).toBe(true);
      expect(uploadFiles(second.dataDir)).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});

describe('server: tus uploads expire (local storage)', () => {
  it('removes the bytes of an expired upload at the next sweep', async () => {
    // 1.8 seconds: the sweep runs every second.
    const server = await startServer({ env: { HOARD_UPLOAD_EXPIRY_HOURS: '0.0005' } });
    try {
      const writer = new Http(server.url, server.adminKey);
      const { data, sha } = randomContent(4 * MiB);
      const run = await tusUpload(server.url, server.adminKey, data, sha, { abortAt: MiB, chunkSize: MiB / 2 });
      expect(run.outcome).toBe('aborted');
      expect(uploadFiles(server.dataDir)).toHaveLength(2);
      await eventually('the upload expires and its bytes are removed', () => uploadFiles(server.dataDir).length === 0);
      const after = await writer.head(new URL(run.url!).pathname, { headers: TUS });
      expect(after.status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
