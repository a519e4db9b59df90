import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { RunningFerretDb, RunningMinio, startFerretDb, startMinio } from './support/test-servers';
import { minioClientConfig, mongoS3Env } from './support/backing-suites';
import { RunningServer, startServer, tempDir } from './support/server';

const ferretBin = process.env.HOARD_TEST_FERRETDB_BIN;
const minioBin = process.env.HOARD_TEST_MINIO_BIN;
const describeReal = ferretBin && minioBin ? describe : describe.skip;
if (!ferretBin || !minioBin) {
  process.stderr.write('SKIPPED: two-instances e2e needs FerretDB and MinIO (see test/support)\n');
}

const HOST = 'shared-host';
const BIN = join(__dirname, '..', 'bin', 'hoard.js');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface ScanRun {
  code: number | null;
  events: Array<Record<string, unknown>>;
  stderr: string;
}

function scan(server: RunningServer, paths: string[]): Promise<ScanRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, 'scan', ...paths, '--json', '--hostname', HOST], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HOARD_URL: server.url,
        HOARD_API_KEY: server.adminKey,
        HOARD_CACHE_DIR: tempDir('hoard-cli-cache-'),
        XDG_CONFIG_HOME: tempDir('hoard-cli-config-'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) =>
      resolve({
        code,
        stderr: err,
        events: out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      }),
    );
  });
}

async function getJson<T>(server: RunningServer, path: string): Promise<T> {
  const res = await request(server.url + path, { headers: { 'x-api-key': server.adminKey } });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${body}`);
  return JSON.parse(body) as T;
}

describeReal('two server instances sharing one MongoDB-compatible server and one bucket', () => {
  let ferret: RunningFerretDb;
  let minio: RunningMinio;
  const servers: RunningServer[] = [];
  const bucket = `hoard-two-${randomBytes(4).toString('hex')}`;
  const root = tempDir('hoard-two-tree-');
  /** path -> content digest of every file of both trees */
  const expected = new Map<string, string>();

  function write(rel: string, data: Buffer): void {
    const path = join(root, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, data);
    expected.set(path, sha(data));
  }

  beforeAll(async () => {
    [ferret, minio] = await Promise.all([startFerretDb(ferretBin!), startMinio(minioBin!)]);
    const adminKey = `hk_two_${randomBytes(24).toString('hex')}`;
    const env = {
      HOARD_BOOTSTRAP_ADMIN_KEY: adminKey,
      ...mongoS3Env(ferret, minio, `hoard_two_${randomBytes(4).toString('hex')}`, bucket),
      S3_PREFIX: 'blobs/',
      // Every content loose, one object each: the races on packs are two-instances-packs.e2e-spec.ts's.
      HOARD_PACK_THRESHOLD: '0',
    };
    servers.push(await startServer({ env }));
    servers.push(await startServer({ env }));

    // Both scans walk `common/` (the same paths at the same moment) and their own directory, whose files repeat
    // contents of `common/` and of each other: every record and every blob is raced for.
    const shared = Array.from({ length: 40 }, (_, i) => randomBytes(1 + ((i * 7919) % 300_000)));
    shared.forEach((data, i) => write(`common/dir${i % 4}/file ${i}.bin`, data));
    shared.forEach((data, i) => write(`a/copy-${i}.bin`, data));
    shared.forEach((data, i) => write(`b/other-${i}.bin`, data));
    for (let i = 0; i < 15; i++) write(`a/own-${i}.bin`, randomBytes(1000 + i));
    for (let i = 0; i < 15; i++) write(`b/own-${i}.bin`, randomBytes(2000 + i));
    write('a/empty', Buffer.alloc(0));
    const big = randomBytes(12 * 1024 * 1024);
    write('b/big.bin', big);
    write('a/big-copy.bin', big);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([ferret?.stop(), minio?.stop()]);
  });

  it('records every file once and stores every content once, and every download verifies', async () => {
    const [runA, runB] = await Promise.all([
      scan(servers[0], [join(root, 'common'), join(root, 'a')]),
      scan(servers[1], [join(root, 'common'), join(root, 'b')]),
    ]);
    expect({ code: runA.code, stderr: runA.code === 0 ? '' : runA.stderr }).toEqual({ code: 0, stderr: '' });
    expect({ code: runB.code, stderr: runB.code === 0 ? '' : runB.stderr }).toEqual({ code: 0, stderr: '' });

    // Every path has exactly one current record, with the right digest, whichever instance is asked.
    const items: Array<{ filepath: string; sha256: string; version: number; content_available: boolean }> = [];
    let cursor: string | null = null;
    do {
      const page: { items: typeof items; next_cursor: string | null } = await getJson(
        servers[1],
        `/api/v1/files?hostname=${HOST}&limit=37${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    const recorded = new Map(items.map((i) => [i.filepath, i.sha256]));
    expect(items).toHaveLength(expected.size);
    expect(recorded).toEqual(expected);
    expect(items.every((i) => i.version === 1 && i.content_available)).toBe(true);

    // One object per distinct content (the empty content needs none).
    const distinct = new Set([...expected.values()].filter((d) => d !== sha(Buffer.alloc(0))));
    const s3 = new S3Client(minioClientConfig(minio));
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    s3.destroy();
    expect(keys.sort()).toEqual([...distinct].map((d) => `blobs/${d.slice(0, 2)}/${d}`).sort());

    // Every file downloads from both instances and hashes to its digest.
    for (const [path, digest] of expected) {
      for (const server of servers) {
        const res = await request(`${server.url}/api/v1/files/content?hostname=${HOST}&filepath=${encodeURIComponent(path)}`, {
          headers: { 'x-api-key': server.adminKey },
        });
        expect(res.statusCode).toBe(200);
        const hash = createHash('sha256');
        for await (const chunk of res.body) hash.update(chunk as Buffer);
        expect(hash.digest('hex')).toBe(digest);
      }
    }

    const stats = await getJson<{ files: number; blobs: number }>(servers[0], '/api/v1/stats');
    expect(stats).toMatchObject({ files: expected.size, blobs: distinct.size });
  }, 300_000);
});
