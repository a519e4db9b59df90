import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliHome, metricSum, ndjson, runCli } from './cli';
import { expectError, expectStatus, type Http, randomContent } from './http';
import { runJob } from './jobs';
import type { RunningServer } from './server';
import { scratchDir } from './tree';

/** One file of the scanned tree. */
export interface TreeBlob {
  path: string;
  data: Buffer;
  sha: string;
}

/** How a spec damages stored content behind the server's back, on its backend. */
export interface Damage {
  /** Flips one byte of a loose blob. */
  flipLoose(sha: string): Promise<void>;
  /** Flips one byte of a packed entry inside its pack. */
  flipPacked(data: Buffer): Promise<void>;
  /** Removes a loose blob. */
  removeLoose(sha: string): Promise<void>;
}

const sorted = (list: string[]) => [...list].sort();

/**
 * The scrub's whole story on one server: a host scans a tree (large files stored loose, small ones packed), then a
 * loose blob and a pack entry get a flipped byte and another loose blob disappears. A scrub finds exactly those,
 * quarantines them, their records show `content_available: false`, the next scan of the host uploads exactly them
 * again, they are served again, and a second scrub finds nothing.
 */
export async function scrubFindsAndScanHeals(server: RunningServer, admin: Http, damage: Damage): Promise<void> {
  const root = scratchDir('hoard-scrub-tree-');
  mkdirSync(join(root, 'd'));
  const sizes = [1_500_000, 1_200_000, 1_100_000, 3000, 5000, 7000, 2000];
  const files: TreeBlob[] = sizes.map((size, i) => {
    const { data, sha } = randomContent(size);
    const path = join(root, 'd', `f${i}.bin`);
    writeFileSync(path, data);
    return { path, data, sha };
  });
  const writer = admin.as((await admin.mintKey(['write', 'read'], 'scrub-host')).key);
  const env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: writer.key };
  expect((await runCli(['scan', root, '--json'], env)).code).toBe(0);

  const [corruptLoose, lostLoose, , corruptPacked] = files;
  await damage.flipLoose(corruptLoose.sha);
  await damage.flipPacked(corruptPacked.data);
  await damage.removeLoose(lostLoose.sha);
  const total = sizes.reduce((a, b) => a + b, 0);

  const job = await runJob(admin, { type: 'scrub' });
  expect(job.state).toBe('succeeded');
  expect(job.result).toEqual({
    blobs_checked: files.length,
    bytes_checked: total - lostLoose.data.length,
    corrupt: sorted([corruptLoose.sha, corruptPacked.sha]),
    missing: [lostLoose.sha],
    corrupt_count: 2,
    missing_count: 1,
  });
  expect(job.progress).toEqual({ done: files.length, total: files.length, bytes: total - lostLoose.data.length });
  const metrics = (await admin.get('/metrics')).text;
  expect(metricSum(metrics, 'hoard_scrub_problems_total', { problem: 'corrupt' })).toBe(2);
  expect(metricSum(metrics, 'hoard_scrub_problems_total', { problem: 'missing' })).toBe(1);

  const bad = new Set([corruptLoose.sha, corruptPacked.sha, lostLoose.sha]);
  const records = (await writer.get('/api/v1/files', { query: { hostname: 'e2e-host', limit: 100 } })).json().items as Array<{
    sha256: string;
    content_available: boolean;
  }>;
  expect(sorted(records.filter((r) => !r.content_available).map((r) => r.sha256))).toEqual(sorted([...bad]));
  expect(records).toHaveLength(files.length);
  for (const sha of bad) expectError(await writer.get(`/api/v1/blobs/${sha}`), 404, 'not_found');

  // The host's cache says nothing changed: the scan only confirms its records, and the server asks for these again.
  const rescan = await runCli(['scan', root, '--json'], env);
  expect(rescan.code).toBe(0);
  const uploaded = ndjson(rescan.stdout)
    .filter((e) => e.event === 'uploaded')
    .map((e) => e.path as string);
  expect(sorted(uploaded)).toEqual(sorted(files.filter((f) => bad.has(f.sha)).map((f) => f.path)));
  for (const f of files) {
    const res = await writer.get(`/api/v1/blobs/${f.sha}`);
    expectStatus(res, 200);
    expect([f.path, res.body.equals(f.data)]).toEqual([f.path, true]);
  }

  const again = await runJob(admin, { type: 'scrub' });
  expect(again.result).toEqual({
    blobs_checked: files.length,
    bytes_checked: total,
    corrupt: [],
    missing: [],
    corrupt_count: 0,
    missing_count: 0,
  });
}
