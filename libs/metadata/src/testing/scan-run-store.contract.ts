import type { FileRecordStore } from '../file-record-store';
import type { NewScanRun, ScanCounts, ScanRunStore } from '../scan-run-store';
import { MAX_SCAN_FAILURES, NO_SCAN_COUNTS } from '../scan-run-store';
import type { StoreFactory } from './contract-fixtures';
import { at, meta, objectVersion, useFreshStore } from './contract-fixtures';

function newRun(hostname: string, extra: Partial<NewScanRun> = {}): NewScanRun {
  return { hostname, roots: ['/srv/data', '/home/ünï'], client: { name: 'hoard', version: '1.2.3' }, key_id: 'key-1', ...extra };
}

const COUNTS: ScanCounts = {
  files_seen: 10,
  files_hashed: 4,
  bytes_hashed: 4096,
  files_uploaded: 3,
  bytes_uploaded: 3000,
  files_failed: 1,
};

/** The behaviour every `ScanRunStore` adapter must show (the hosts view also reads the adapter's file records). */
export function describeScanRunStoreContract(name: string, factory: StoreFactory<ScanRunStore & FileRecordStore>): void {
  describe(`ScanRunStore contract: ${name}`, () => {
    const ctx = useFreshStore(factory);

    it('opens a run as running, with no counts, and reads it back', async () => {
      const run = await ctx.sut.createScanRun(newRun('web-1'), at(1));
      expect(run).toEqual({
        id: expect.any(String),
        hostname: 'web-1',
        roots: ['/srv/data', '/home/ünï'],
        client: { name: 'hoard', version: '1.2.3' },
        key_id: 'key-1',
        state: 'running',
        counts: NO_SCAN_COUNTS,
        failures: [],
        failures_total: 0,
        reason: null,
        started_at: at(1),
        updated_at: at(1),
        ended_at: null,
      });
      expect(await ctx.sut.getScanRun(run.id)).toEqual(run);
      expect(await ctx.sut.getScanRun('nonsense')).toBeNull();
    });

    it('replaces counts, adds failures and ends a run once', async () => {
      const run = await ctx.sut.createScanRun(newRun('web-1'), at(1));
      const progress = await ctx.sut.updateScanRun(run.id, { counts: COUNTS, failures: [{ path: '/a', reason: 'EACCES' }] }, at(5));
      expect(progress).toMatchObject({ state: 'running', counts: COUNTS, failures_total: 1, updated_at: at(5), ended_at: null });
      const counts = { ...COUNTS, files_seen: 20 };
      const ended = await ctx.sut.updateScanRun(
        run.id,
        { counts, failures: [{ path: '/b', reason: 'vanished' }], state: 'succeeded' },
        at(9),
      );
      expect(ended).toMatchObject({
        state: 'succeeded',
        counts,
        failures: [
          { path: '/a', reason: 'EACCES' },
          { path: '/b', reason: 'vanished' },
        ],
        failures_total: 2,
        updated_at: at(9),
        ended_at: at(9),
        reason: null,
      });
      expect(await ctx.sut.updateScanRun(run.id, { state: 'failed' }, at(10))).toBeNull();
      expect(await ctx.sut.getScanRun(run.id)).toEqual(ended);
      expect(await ctx.sut.updateScanRun('nonsense', { state: 'failed' }, at(10))).toBeNull();
    });

    it(`keeps the first ${MAX_SCAN_FAILURES} failures and counts every one`, async () => {
      const run = await ctx.sut.createScanRun(newRun('web-1'), at(1));
      const failures = Array.from({ length: 600 }, (_, i) => ({ path: `/f/${i}`, reason: 'EIO' }));
      await ctx.sut.updateScanRun(run.id, { failures }, at(2));
      const more = Array.from({ length: 601 }, (_, i) => ({ path: `/g/${i}`, reason: 'EIO' }));
      const ended = await ctx.sut.updateScanRun(run.id, { failures: more, state: 'failed' }, at(3));
      expect(ended!.failures_total).toBe(1201);
      expect(ended!.failures).toHaveLength(MAX_SCAN_FAILURES);
      expect(ended!.failures[599]).toEqual({ path: '/f/599', reason: 'EIO' });
      expect(ended!.failures[999]).toEqual({ path: '/g/399', reason: 'EIO' });
    });

    it('lists newest first, by hostname and state, page by page', async () => {
      const a1 = await ctx.sut.createScanRun(newRun('a'), at(1));
      const b1 = await ctx.sut.createScanRun(newRun('b'), at(2));
      const a2 = await ctx.sut.createScanRun(newRun('a'), at(3));
      await ctx.sut.updateScanRun(a1.id, { state: 'succeeded' }, at(4));
      const first = await ctx.sut.listScanRuns({ limit: 2 });
      expect(first.items.map((r) => r.id)).toEqual([a2.id, b1.id]);
      const second = await ctx.sut.listScanRuns({ limit: 2, cursor: first.nextCursor! });
      expect(second).toEqual({ items: [expect.objectContaining({ id: a1.id, state: 'succeeded' })], nextCursor: null });
      expect((await ctx.sut.listScanRuns({ limit: 10, hostname: 'a' })).items.map((r) => r.id)).toEqual([a2.id, a1.id]);
      expect((await ctx.sut.listScanRuns({ limit: 10, state: 'running' })).items.map((r) => r.id)).toEqual([a2.id, b1.id]);
      expect((await ctx.sut.listScanRuns({ limit: 10, hostname: 'a', state: 'running' })).items.map((r) => r.id)).toEqual([a2.id]);
      expect((await ctx.sut.listScanRuns({ limit: 10, hostnames: ['b', 'z'] })).items.map((r) => r.id)).toEqual([b1.id]);
      expect((await ctx.sut.listScanRuns({ limit: 10, hostnames: ['a', 'b'], hostname: 'a' })).items.map((r) => r.id)).toEqual([
        a2.id,
        a1.id,
      ]);
      expect((await ctx.sut.listScanRuns({ limit: 10, hostnames: ['b'], hostname: 'a' })).items).toEqual([]);
      expect((await ctx.sut.listScanRuns({ limit: 10, hostnames: [] })).items).toEqual([]);
      await expect(ctx.sut.listScanRuns({ limit: 2, cursor: '!!' })).rejects.toMatchObject({ code: 'invalid_request' });
    });

    it('ends runs silent since a time as failed/interrupted, and no others', async () => {
      const silent = await ctx.sut.createScanRun(newRun('a'), at(1));
      const talking = await ctx.sut.createScanRun(newRun('b'), at(1));
      const done = await ctx.sut.createScanRun(newRun('c'), at(1));
      await ctx.sut.updateScanRun(talking.id, { counts: COUNTS }, at(50));
      await ctx.sut.updateScanRun(done.id, { state: 'succeeded' }, at(2));
      expect(await ctx.sut.interruptSilentScanRuns(at(40), at(60))).toBe(1);
      expect(await ctx.sut.getScanRun(silent.id)).toMatchObject({ state: 'failed', reason: 'interrupted', ended_at: at(60) });
      expect(await ctx.sut.getScanRun(talking.id)).toMatchObject({ state: 'running', reason: null });
      expect(await ctx.sut.getScanRun(done.id)).toMatchObject({ state: 'succeeded', reason: null, ended_at: at(2) });
      expect(await ctx.sut.updateScanRun(silent.id, { state: 'succeeded' }, at(61))).toBeNull();
      expect(await ctx.sut.interruptSilentScanRuns(at(40), at(70))).toBe(0);
      expect(await ctx.sut.countScanRuns()).toEqual({ running: 1, failed: 1, succeeded: 1 });
    });

    it('lists every host with its live files, last run and last success', async () => {
      await ctx.sut.recordFiles([meta('/x', 'abc', { hostname: 'files-only' }), meta('/y', 'hello', { hostname: 'files-only' })], at(1));
      await ctx.sut.recordFiles([meta('/z', 'four', { hostname: 'web-1' })], at(1));
      // A bucket is no host, even one named like a host: its objects count nowhere here.
      await ctx.sut.recordFiles([objectVersion('k', 'object bytes', {}, 'web-1'), objectVersion('k', 'other', {}, 'bucket-only')], at(1));
      const ok = await ctx.sut.createScanRun(newRun('web-1'), at(2));
      await ctx.sut.updateScanRun(ok.id, { state: 'succeeded' }, at(3));
      const later = await ctx.sut.createScanRun(newRun('web-1'), at(4));
      await ctx.sut.updateScanRun(later.id, { state: 'failed' }, at(5));
      const never = await ctx.sut.createScanRun(newRun('new-host'), at(6));
      const hosts = await ctx.sut.listHosts();
      expect(hosts.map((h) => ({ ...h, last_scan: h.last_scan && { id: h.last_scan.id, state: h.last_scan.state } }))).toEqual([
        { hostname: 'files-only', files: 2, logical_bytes: 8, last_scan: null, last_success_at: null },
        { hostname: 'new-host', files: 0, logical_bytes: 0, last_scan: { id: never.id, state: 'running' }, last_success_at: null },
        { hostname: 'web-1', files: 1, logical_bytes: 4, last_scan: { id: later.id, state: 'failed' }, last_success_at: at(3) },
      ]);
    });
  });
}
