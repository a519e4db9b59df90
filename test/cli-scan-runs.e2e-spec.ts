import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import type { ScanRun } from '@app/contracts';
import { cliHome, ndjson, runCli, spawnCli } from './support/cli';
import { RunningServer, startServer } from './support/server';
import { removeScratch, scratchDir } from './support/tree';

/** Polls `check` until it returns a value, failing after `ms`. */
async function until<T>(check: () => Promise<T | null | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Big enough that a throttled upload of one file takes seconds. */
const FILE_BYTES = 2 * 1024 * 1024;

describe('scan runs reported by hoard scan (real server and CLI)', () => {
  let server: RunningServer;
  let client: HoardClient;
  let env: Record<string, string>;
  let root: string;

  beforeAll(async () => {
    server = await startServer({ env: { HOARD_SCAN_TIMEOUT_SECONDS: '2', HOARD_PACK_THRESHOLD: '0' } });
    client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
    env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
    root = scratchDir('hoard-scan-runs-');
    mkdirSync(join(root, 'd'));
    for (let i = 0; i < 20; i++) writeFileSync(join(root, 'd', `f${i}`), randomBytes(FILE_BYTES));
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  it('a killed scan becomes failed/interrupted; the rerun succeeds, uploads only what was missing, and matches its summary', async () => {
    // 40 MiB one file at a time at 256 kB/s (minutes): the scan is still uploading when it is killed.
    const killed = spawnCli(['scan', root, '--json', '--limit-rate', '256k', '--concurrency', '1', '--report-interval', '1'], env);
    const opened = await until(async () => ndjson(killed.stdout()).find((e) => e.event === 'scan_run'), 30_000);
    await until(async () => ((await client.getScan(opened.id)).files_uploaded > 0 ? true : null), 30_000);
    killed.signal('SIGKILL');
    await killed.done;
    const interrupted = await until(async () => {
      const run = await client.getScan(opened.id);
      return run.state === 'running' ? null : run;
    }, 30_000);
    expect(interrupted).toMatchObject({ state: 'failed', reason: 'interrupted', hostname: 'e2e-host', roots: [root] });
    const sentBefore = interrupted.files_uploaded;
    expect(sentBefore).toBeGreaterThan(0);
    expect(sentBefore).toBeLessThan(20);

    const rerun = await runCli(['scan', root, '--json'], env);
    expect(rerun.code).toBe(0);
    const events = ndjson(rerun.stdout);
    const summary = events.find((e) => e.event === 'summary')!;
    const id = events.find((e) => e.event === 'scan_run')!.id as string;
    expect(summary.scan_id).toBe(id);
    const run: ScanRun = await client.getScan(id);
    expect(run).toMatchObject({
      state: 'succeeded',
      reason: null,
      files_seen: summary.seen,
      files_hashed: summary.hashed.files,
      bytes_hashed: summary.hashed.bytes,
      files_uploaded: summary.uploaded.files,
      bytes_uploaded: summary.uploaded.bytes,
      files_failed: 0,
      failures: [],
      failures_total: 0,
    });
    // Only what the killed scan had not sent: every file is distinct content, sent exactly once over both runs.
    expect(summary.uploaded.files).toBeLessThanOrEqual(20 - sentBefore);
    expect((await client.stats()).blobs).toBe(20);
  });

  it('hoard hosts and hoard scans show the runs, as tables and as JSON; the metrics show the last success', async () => {
    const hosts = await runCli(['hosts', '--json'], env);
    expect(hosts.code).toBe(0);
    const [host] = hosts.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(host).toMatchObject({ hostname: 'e2e-host', files: 20, logical_bytes: 20 * FILE_BYTES, stale: false });
    expect(host.last_scan.state).toBe('succeeded');
    const table = await runCli(['hosts'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^HOST\s+FILES\s+LOGICAL\s+LAST SCAN\s+LAST SUCCESS\s+STALE$/);
    expect(table.stdout).toMatch(/e2e-host\s+20\s/);

    const scans = await runCli(['scans', '--hostname', 'e2e-host', '--json'], env);
    const runs = scans.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(runs.map((r: ScanRun) => [r.state, r.reason])).toEqual([
      ['succeeded', null],
      ['failed', 'interrupted'],
    ]);
    const scanTable = await runCli(['scans'], env);
    expect(scanTable.stdout).toContain('failed (interrupted)');

    const metrics = await client.metrics();
    const at = Date.parse(host.last_success_at) / 1000;
    expect(metrics).toContain(`hoard_host_last_success_timestamp_seconds{hostname="e2e-host"} ${at}`);
    expect(metrics).toContain('hoard_scans_total{state="succeeded"} 1');
    expect(metrics).toContain('hoard_scans_total{state="failed"} 1');
  });

  it('Ctrl-C of a scan mid-upload closes its run as cancelled before the process ends', async () => {
    const dir = scratchDir('hoard-scan-sigint-');
    for (let i = 0; i < 3; i++) writeFileSync(join(dir, `g${i}`), randomBytes(FILE_BYTES));
    // 6 MiB at 256 kB/s: the uploads take about 24 s, so the scan is mid-upload once its first file is hashed.
    const scan = spawnCli(['scan', dir, '--json', '--limit-rate', '256k', '--concurrency', '1', '--report-interval', '1'], {
      ...env,
      HOARD_HOSTNAME: 'sigint-host',
    });
    const opened = await until(async () => ndjson(scan.stdout()).find((e) => e.event === 'scan_run'), 30_000);
    await until(async () => ((await client.getScan(opened.id)).files_hashed > 0 ? true : null), 30_000);
    scan.signal('SIGINT');
    const res = await scan.done;
    expect(res.code).toBe(130);
    expect(scan.stderr()).toContain('Interrupted');
    // Closed by the CLI itself before it exited: no wait for the server's timeout.
    const run = await client.getScan(opened.id);
    expect(run).toMatchObject({ state: 'cancelled', reason: null, hostname: 'sigint-host', roots: [dir], files_failed: 0 });
    expect(run.files_uploaded).toBeLessThan(3);
    expect(run.ended_at).not.toBeNull();
  });

  it('a scan of more paths than a run may name records every one, its run naming the directory that holds them', async () => {
    const dir = scratchDir('hoard-scan-many-');
    const files = Array.from({ length: 1001 }, (_, i) => join(dir, `m${i}`));
    files.forEach((file, i) => writeFileSync(file, `many ${i}`));
    // This server ends a run that says nothing for 2 s: the scan reports every second.
    const res = await runCli(['scan', ...files, '--json', '--no-track-deletions', '--report-interval', '1'], {
      ...env,
      HOARD_HOSTNAME: 'many-host',
    });
    expect(res.code).toBe(0);
    const events = ndjson(res.stdout);
    expect(events.find((e) => e.event === 'summary')).toMatchObject({ recorded: 1001, failed: 0 });
    const run = await client.getScan(events.find((e) => e.event === 'scan_run')!.id as string);
    expect(run).toMatchObject({ state: 'succeeded', reason: null, roots: [dir], files_seen: 1001 });
  });
});
