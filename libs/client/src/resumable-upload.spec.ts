import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import { Upload } from '@tus/utils';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { ByteRateLimit } from '@app/contracts';
import { ResumableSettings, uploadResumable } from './resumable-upload';
import { RetryPolicy } from './retry-policy';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A tus server over files in a temporary directory, counting the bytes of content it stored. */
async function tusServer(options: { cutFirstPatchAt?: number; refuseFinish?: boolean; finishHeaders?: Record<string, string> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hoard-client-tus-'));
  let received = 0;
  let cut = options.cutFirstPatchAt;
  const keys: string[] = [];
  let current: IncomingMessage | null = null;
  /** Counts what is written, and drops the connection once, past `cutFirstPatchAt` bytes. */
  class CountingStore extends FileStore {
    override write(body: Readable, id: string, offset: number): Promise<number> {
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          received += chunk.length;
          if (cut !== undefined && received >= cut) {
            cut = undefined;
            current?.socket.destroy();
          }
          done(null, chunk);
        },
      });
      return super.write(body.pipe(counted), id, offset);
    }
  }
  const store = new CountingStore({ directory: dir });
  const tus = new TusServer({
    path: '/api/v1/uploads',
    datastore: store,
    relativeLocation: true,
    onUploadFinish: async (_req, res) => {
      if (options.refuseFinish) {
        throw { status_code: 422, body: JSON.stringify({ error: { code: 'digest_mismatch', message: 'the content hashes to x' } }) };
      }
      return { res, headers: options.finishHeaders };
    },
  });
  const server: Server = createServer((req, res) => {
    keys.push(String(req.headers['x-api-key']));
    current = req;
    void tus.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    dir,
    keys,
    received: () => received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve())).finally(() => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

const settings = (baseUrl: string, retries = 3): ResumableSettings => ({
  baseUrl,
  apiKey: 'k1',
  userAgent: 'test',
  retry: new RetryPolicy({ retries, baseDelayMs: 1, maxDelayMs: 5 }),
});

describe('uploadResumable', () => {
  let work: string;
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 'hoard-client-file-'))));
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const file = (bytes: Buffer) => {
    const path = join(work, 'content.bin');
    writeFileSync(path, bytes);
    return path;
  };

  it('sends the file under its digest with the key, telling the URL as soon as there is one', async () => {
    const server = await tusServer();
    try {
      const bytes = randomBytes(300_000);
      const urls: string[] = [];
      const progress: number[] = [];
      const result = await uploadResumable(settings(server.url), { sha256: sha(bytes) }, file(bytes), bytes.length, {
        onUrl: (url) => urls.push(url),
        onProgress: (sent) => progress.push(sent),
      });
      expect(result).toEqual({ sha256: sha(bytes), size: bytes.length, resumedFrom: 0, version: null });
      expect(urls).toHaveLength(1);
      const id = urls[0].split('/').pop()!;
      expect(readFileSync(join(server.dir, id)).equals(bytes)).toBe(true);
      expect((await server.store.getUpload(id)).metadata).toEqual({ sha256: sha(bytes) });
      expect(progress.at(-1)).toBe(bytes.length);
      expect(new Set(server.keys)).toEqual(new Set(['k1']));
    } finally {
      await server.close();
    }
  });

  it('continues from the offset the server holds after a dropped connection, not from the start', async () => {
    const server = await tusServer({ cutFirstPatchAt: 1_000_000 });
    try {
      const bytes = randomBytes(3_000_000);
      const path = file(bytes);
      await uploadResumable(settings(server.url), { sha256: sha(bytes) }, path, bytes.length);
      expect(server.received()).toBeLessThan(bytes.length + 1_100_000);
    } finally {
      await server.close();
    }
  });

  it("continues an earlier run's upload from its URL, sending only the rest", async () => {
    const server = await tusServer();
    try {
      const bytes = randomBytes(200_000);
      const id = 'a'.repeat(32);
      await server.store.create(new Upload({ id, size: bytes.length, offset: 0, metadata: { sha256: sha(bytes) } }));
      await server.store.write(Readable.from([bytes.subarray(0, 150_000)]), id, 0);
      const before = server.received();
      const result = await uploadResumable(settings(server.url), { sha256: sha(bytes) }, file(bytes), bytes.length, {
        resumeUrl: `${server.url}/api/v1/uploads/${id}`,
      });
      expect(result.resumedFrom).toBe(150_000);
      expect(server.received() - before).toBe(50_000);
      expect(readFileSync(join(server.dir, id)).equals(bytes)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('sends an object named by its metadata, and tells the version the answer that stored it names', async () => {
    const bytes = randomBytes(5000);
    const server = await tusServer({ finishHeaders: { 'X-Hoard-Sha256': sha(bytes), 'X-Hoard-Version': '3' } });
    try {
      const urls: string[] = [];
      const metadata = { bucket: 'backups', key: 'user-7/db.sqlite', ttl_seconds: '60' };
      const result = await uploadResumable(settings(server.url), metadata, file(bytes), bytes.length, { onUrl: (url) => urls.push(url) });
      expect(result).toEqual({ sha256: sha(bytes), size: 5000, resumedFrom: 0, version: 3 });
      expect((await server.store.getUpload(urls[0].split('/').pop()!)).metadata).toEqual(metadata);
    } finally {
      await server.close();
    }
  });

  it("paces its bytes by the client's upload rate budget", async () => {
    const server = await tusServer();
    try {
      const bytes = randomBytes(512 * 1024);
      const started = Date.now();
      await uploadResumable(
        { ...settings(server.url), rateLimit: new ByteRateLimit(256 * 1024) },
        { sha256: sha(bytes) },
        file(bytes),
        bytes.length,
      );
      // 448 KiB past the burst of 64 KiB, at 256 KiB/s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1700);
      expect(server.received()).toBe(bytes.length);
    } finally {
      await server.close();
    }
  });

  it("throws the server's error, the file's own error, or unavailable for a server that does not answer", async () => {
    const server = await tusServer({ refuseFinish: true });
    try {
      const bytes = randomBytes(1000);
      const mismatch = await uploadResumable(settings(server.url), { sha256: sha(bytes) }, file(bytes), 1000).catch((e: unknown) => e);
      expect(mismatch).toMatchObject({ code: 'digest_mismatch', status: 422 });
      const missing = await uploadResumable(settings(server.url), { sha256: sha(bytes) }, join(work, 'gone'), 1000).catch(
        (e: unknown) => e,
      );
      expect(missing).toMatchObject({ code: 'ENOENT' });
    } finally {
      await server.close();
    }
    const unreachable = await uploadResumable(settings(server.url, 1), { sha256: 'ab'.repeat(32) }, file(Buffer.from('x')), 1).catch(
      (e: unknown) => e,
    );
    expect(unreachable).toMatchObject({ code: 'unavailable' });
  });
});
