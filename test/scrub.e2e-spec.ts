import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricSum } from './support/cli';
import { blobPath, expectError, Http, randomContent } from './support/http';
import { runJob, startJob, waitForJob } from './support/jobs';
import { scrubFindsAndScanHeals } from './support/scrub-scenario';
import { type RunningServer, startServer } from './support/server';

/** Every pack file of a local data directory. */
function packFiles(dataDir: string): string[] {
  const root = join(dataDir, 'blobs', 'packs');
  return readdirSync(root).flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)));
}

function flipByte(path: string, at: (bytes: Buffer) => number): void {
  chmodSync(path, 0o600);
  const bytes = readFileSync(path);
  bytes[at(bytes)] ^= 0x01;
  writeFileSync(path, bytes);
}

describe('scrub on SQLite and local disk', () => {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('finds a flipped byte in a loose blob and in a pack entry and a deleted loose blob; the next scan heals exactly them', async () => {
    const server = await startServer();
    servers.push(server);
    const admin = new Http(server.url, server.adminKey);
    await scrubFindsAndScanHeals(server, admin, {
      flipLoose: async (sha) => flipByte(blobPath(server.dataDir, sha), (bytes) => bytes.length >> 1),
      flipPacked: async (data) => {
        const [pack] = packFiles(server.dataDir).filter((path) => readFileSync(path).includes(data));
        flipByte(pack, (bytes) => bytes.indexOf(data) + 100);
      },
      removeLoose: async (sha) => rmSync(blobPath(server.dataDir, sha)),
    });
    // The corrupt loose copy was moved aside, never deleted.
    expect(readdirSync(join(server.dataDir, 'blobs', '.quarantine'))).toHaveLength(1);
  });

  it('refuses options a scrub does not take, queueing nothing', async () => {
    const server = await startServer();
    servers.push(server);
    const admin = new Http(server.url, server.adminKey);
    for (const body of [
      { type: 'scrub', max_bytes_per_second: -1 },
      { type: 'scrub', max_bytes_per_second: 'fast' },
      { type: 'scrub', max_bytes_per_second: 1.5 },
      { type: 'scrub', rate: 1000 },
    ]) {
      const error = expectError(await admin.post('/api/v1/jobs', body), 400, 'validation_failed');
      expect(error.details.fields[0].field).toBe(Object.keys(body)[1]);
    }
    expect((await admin.get('/api/v1/jobs')).json().items).toEqual([]);
  });

  it('in a dry run, reports what it would quarantine and leaves it served as it was', async () => {
    const server = await startServer({ env: { HOARD_PACK_THRESHOLD: '0' } });
    servers.push(server);
    const admin = new Http(server.url, server.adminKey);
    const blob = randomContent(4096);
    await admin.upload(blob.data);
    flipByte(blobPath(server.dataDir, blob.sha), () => 7);
    const before = statSync(blobPath(server.dataDir, blob.sha)).mtimeMs;

    const job = await runJob(admin, { type: 'scrub', dry_run: true });
    expect([job.state, job.dry_run, job.result]).toEqual([
      'succeeded',
      true,
      { blobs_checked: 1, bytes_checked: 4096, corrupt: [blob.sha], missing: [], corrupt_count: 1, missing_count: 0 },
    ]);
    expect(statSync(blobPath(server.dataDir, blob.sha)).mtimeMs).toBe(before);
    expect((await admin.post('/api/v1/blobs/missing', { sha256: [blob.sha] })).json()).toEqual({ missing: [] });
    expect(readdirSync(join(server.dataDir, 'blobs', '.quarantine'))).toEqual([]);
  });

  it('continues from its checkpoint after the server is killed mid-scrub, reading again only what followed it', async () => {
    const env = {
      HOARD_PACK_THRESHOLD: '0',
      HOARD_JOB_LEASE_SECONDS: '2',
      HOARD_JOB_RENEW_SECONDS: '0.5',
      HOARD_JOB_POLL_SECONDS: '0.5',
      // The restarted server says where the scrub continues from.
      HOARD_LOG_LEVEL: 'info',
    };
    const first = await startServer({ env });
    servers.push(first);
    let admin = new Http(first.url, first.adminKey);
    const count = 48;
    const size = 128 * 1024;
    for (let i = 0; i < count; i++) await admin.upload(randomContent(size).data);

    // About six seconds at 1 MiB/s: killed once the job shows a third of it done (a checkpoint is saved every 2 s).
    const job = await startJob(admin, { type: 'scrub', max_bytes_per_second: 1024 * 1024 });
    const seen = await waitForJob(admin, job.id, (j) => j.state !== 'queued' && j.progress.done >= 24, 30_000);
    expect(seen.state).toBe('running');
    await first.kill();
    servers.splice(servers.indexOf(first), 1);

    const second = await startServer({ dataDir: first.dataDir, env: { ...env, HOARD_BOOTSTRAP_ADMIN_KEY: first.adminKey } });
    servers.push(second);
    admin = new Http(second.url, second.adminKey);
    const ended = await waitForJob(admin, job.id, undefined, 60_000);
    expect([ended.state, ended.result]).toEqual([
      'succeeded',
      { blobs_checked: count, bytes_checked: count * size, corrupt: [], missing: [], corrupt_count: 0, missing_count: 0 },
    ]);
    const resumed = /scrub \S+ continues after [0-9a-f]{64} \((\d+) blobs checked before\)/.exec(second.output());
    expect(resumed).not.toBeNull();
    const before = Number(resumed![1]);
    expect(before).toBeGreaterThanOrEqual(8);
    expect(before).toBeLessThan(count);
    // The restarted server read exactly what followed the checkpoint.
    expect(metricSum((await admin.get('/metrics')).text, 'hoard_scrub_blobs_checked_total')).toBe(count - before);
    expect(metricSum((await admin.get('/metrics')).text, 'hoard_scrub_bytes_checked_total')).toBe((count - before) * size);
  });
});
