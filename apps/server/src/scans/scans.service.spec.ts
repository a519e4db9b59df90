import { SqliteMetadataStore } from '@app/metadata';
import { ScanSweep } from './scan-sweep';
import { ScansService } from './scans.service';
import { TenantScope } from '../auth/tenant-scope';
import { serviceFixture, type ServiceFixture } from '../testing/service-fixtures';

const T0 = Date.UTC(2026, 0, 1);
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const OPEN = { hostname: 'web-1', roots: ['/srv'], client: { name: 'hoard', version: '1.0.0' } };

describe('ScansService', () => {
  let f: ServiceFixture;
  let sut: ScansService;
  let metadata: SqliteMetadataStore;

  beforeEach(async () => {
    f = await serviceFixture({ scanTimeoutMs: 60_000, hostStaleMs: 26 * 3600_000 });
    metadata = f.metadata;
    sut = new ScansService(metadata, f.settings);
  });
  afterEach(() => f.close());

  it('opens a run for the calling key and lets only that key report on it', async () => {
    const run = await sut.open('key-a', OPEN, at(0));
    expect(run).toMatchObject({ state: 'running', key_id: 'key-a', hostname: 'web-1', files_seen: 0, failures_total: 0 });
    await expect(sut.report('key-b', run.id, { files_seen: 5 }, at(1))).rejects.toMatchObject({ code: 'forbidden' });
    expect(await sut.get(run.id, at(1))).toMatchObject({ files_seen: 0, updated_at: at(0).toISOString() });
    expect(await sut.report('key-a', run.id, { files_seen: 5, bytes_hashed: 7 }, at(2))).toMatchObject({
      files_seen: 5,
      bytes_hashed: 7,
      files_hashed: 0,
      updated_at: at(2).toISOString(),
    });
  });

  it('keeps the counts not given in a report and closes a run once: a second close is a conflict', async () => {
    const run = await sut.open('key-a', OPEN, at(0));
    await sut.report('key-a', run.id, { files_seen: 9, files_hashed: 3 }, at(1));
    const closed = await sut.report('key-a', run.id, { files_uploaded: 2, state: 'succeeded' }, at(2));
    expect(closed).toMatchObject({ state: 'succeeded', files_seen: 9, files_hashed: 3, files_uploaded: 2, ended_at: at(2).toISOString() });
    await expect(sut.report('key-a', run.id, { state: 'failed' }, at(3))).rejects.toMatchObject({
      code: 'conflict',
      details: { scan_id: run.id, state: 'succeeded' },
    });
    expect(await sut.get(run.id, at(3))).toEqual(closed);
  });

  it('keeps 1,000 of 1,001 failures and counts all of them', async () => {
    const run = await sut.open('key-a', OPEN, at(0));
    const failures = Array.from({ length: 1001 }, (_, i) => ({ path: `/srv/${i}`, reason: 'EACCES' }));
    const closed = await sut.report('key-a', run.id, { files_failed: 1001, failures, state: 'failed' }, at(1));
    expect(closed.failures).toHaveLength(1000);
    expect(closed.failures[999]).toEqual({ path: '/srv/999', reason: 'EACCES' });
    expect(closed).toMatchObject({ failures_total: 1001, files_failed: 1001, state: 'failed' });
  });

  it('shows a key limited to tenants only the runs and hosts of its hosts, and refuses it a run of another (403)', async () => {
    const mine = TenantScope.of({ hostnames: ['web-1'], buckets: [] });
    const own = await sut.open('key-a', OPEN, at(0), mine);
    const other = await sut.open('key-b', { ...OPEN, hostname: 'web-2' }, at(1));
    await expect(sut.open('key-a', { ...OPEN, hostname: 'web-2' }, at(2), mine)).rejects.toMatchObject({
      code: 'forbidden',
      details: { hostname: 'web-2' },
    });
    expect((await sut.list({}, at(3), mine)).items.map((r) => r.id)).toEqual([own.id]);
    expect((await sut.list({ hostname: 'web-2' }, at(3), mine)).items).toEqual([]);
    expect((await sut.list({}, at(3))).items.map((r) => r.id)).toEqual([other.id, own.id]);
    await expect(sut.get(other.id, at(3), mine)).rejects.toMatchObject({ code: 'not_found', message: `No scan run ${other.id}` });
    expect((await sut.hosts(at(3), mine)).items.map((h) => h.hostname)).toEqual(['web-1']);
    expect((await sut.hosts(at(3))).items.map((h) => h.hostname)).toEqual(['web-1', 'web-2']);
  });

  it('answers not_found for an unknown run', async () => {
    await expect(sut.get('12345', at(0))).rejects.toMatchObject({ code: 'not_found' });
    await expect(sut.report('key-a', 'nope', { files_seen: 1 }, at(0))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('ends a run silent for the timeout as failed/interrupted when read, and refuses reports on it', async () => {
    const run = await sut.open('key-a', OPEN, at(0));
    await sut.report('key-a', run.id, { files_seen: 1 }, at(30));
    expect(await sut.get(run.id, at(90))).toMatchObject({ state: 'running' });
    expect(await sut.get(run.id, at(90.001))).toMatchObject({ state: 'failed', reason: 'interrupted', ended_at: at(90.001).toISOString() });
    await expect(sut.report('key-a', run.id, { state: 'succeeded' }, at(91))).rejects.toMatchObject({ code: 'conflict' });
  });

  describe('the sweep', () => {
    beforeEach(() => jest.useFakeTimers({ now: at(0) }));
    afterEach(() => jest.useRealTimers());

    it('ends silent runs on its timer without anyone reading them', async () => {
      const sweep = new ScanSweep(sut, f.settings);
      const run = await sut.open('key-a', OPEN, new Date());
      sweep.onModuleInit();
      try {
        await jest.advanceTimersByTimeAsync(60_000);
        expect((await metadata.getScanRun(run.id))!.state).toBe('running');
        await jest.advanceTimersByTimeAsync(12_000);
        expect(await metadata.getScanRun(run.id)).toMatchObject({ state: 'failed', reason: 'interrupted' });
      } finally {
        sweep.onApplicationShutdown();
      }
    });
  });

  it('lists hosts with their last run (a silent one interrupted) and success, stale past the stale hours or never successful', async () => {
    const ok = await sut.open('key-a', OPEN, at(0));
    await sut.report('key-a', ok.id, { state: 'succeeded' }, at(10));
    const other = await sut.open('key-a', { ...OPEN, hostname: 'db-1' }, at(20));
    const staleAt = 10 + 26 * 3600;
    expect((await sut.hosts(at(staleAt))).items).toEqual([
      {
        hostname: 'db-1',
        files: 0,
        logical_bytes: 0,
        last_scan: { id: other.id, state: 'failed', ended_at: at(staleAt).toISOString() },
        last_success_at: null,
        stale: true,
      },
      {
        hostname: 'web-1',
        files: 0,
        logical_bytes: 0,
        last_scan: { id: ok.id, state: 'succeeded', ended_at: at(10).toISOString() },
        last_success_at: at(10).toISOString(),
        stale: false,
      },
    ]);
    expect((await sut.hosts(at(staleAt + 1))).items.map((h) => [h.hostname, h.stale])).toEqual([
      ['db-1', true],
      ['web-1', true],
    ]);
  });

  it('lists runs newest first, filtered by hostname and state', async () => {
    const a = await sut.open('key-a', OPEN, at(0));
    const b = await sut.open('key-a', { ...OPEN, hostname: 'db-1' }, at(1));
    await sut.report('key-a', a.id, { state: 'cancelled' }, at(2));
    expect((await sut.list({}, at(3))).items.map((r) => r.id)).toEqual([b.id, a.id]);
    expect((await sut.list({ hostname: 'web-1' }, at(3))).items.map((r) => [r.id, r.state])).toEqual([[a.id, 'cancelled']]);
    expect((await sut.list({ state: 'running' }, at(3))).items.map((r) => r.id)).toEqual([b.id]);
  });
});
