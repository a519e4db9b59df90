import { Logger } from '@nestjs/common';
import { HoardError, type Sha256 } from '@app/contracts';
import { SqliteMetadataStore } from '@app/metadata';
import { MemoryBlobStore, MemoryPackIndex, PackedBlobStore } from '@app/storage';
import { MemoryPackFiles } from '@app/storage/testing/memory-pack-files';
import { Readable } from 'node:stream';
import { BlobsService } from '../../blobs/blobs.service';
import { QuarantineService } from '../../blobs/quarantine.service';
import { FileRecordsMapper } from '../../content/file-records.mapper';
import { TenantGate } from '../../content/tenant-gate';
import { MetricsService } from '../../metrics/metrics.service';
import { FakeJobContext } from '../../testing/fake-job-context';
import { content, counter, drain, testSettings } from '../../testing/service-fixtures';
import { ScrubJob } from './scrub.job';
import { ScrubTally } from './scrub-tally';

/** Content under this many bytes is packed. */
const THRESHOLD = 1024;

/** A scrub over a packing store (loose blobs in memory, packs in memory) and a `:memory:` SQLite registry. */
async function scrubFixture(scrubRate = 0) {
  Logger.overrideLogger(false);
  const loose = new MemoryBlobStore();
  const index = new MemoryPackIndex();
  const packFiles = new MemoryPackFiles();
  const store = new PackedBlobStore({ loose, index, files: packFiles, threshold: THRESHOLD });
  await store.init();
  const metadata = new SqliteMetadataStore({ path: ':memory:' });
  await metadata.init();
  const settings = testSettings({ scrubMaxBytesPerSecond: scrubRate });
  const metrics = new MetricsService(metadata);
  const gate = new TenantGate(metadata, settings);
  const mapper = new FileRecordsMapper(metadata, gate);
  const quarantine = new QuarantineService(store, metadata, metrics);
  const blobs = new BlobsService(store, metadata, metadata, metadata, settings, mapper, metrics, quarantine, gate);
  const sut = new ScrubJob(store, metadata, metadata, quarantine, settings, metrics);

  /** Stores content as an upload does (verified, registered) and records it on a host. */
  async function stored(size: number) {
    const c = content(size);
    await blobs.put(c.sha, Readable.from([c.bytes]), size);
    const [recorded] = await metadata.recordFiles([{ hostname: 'h', filepath: `/f/${c.sha}`, sha256: c.sha, size }], new Date());
    return { ...c, file: recorded.file };
  }

  /** Flips one byte of a packed entry in its pack file, as a failing disk would. */
  async function flipPacked(sha: Sha256, at = 0) {
    const entry = (await index.lookup(sha))!;
    packFiles.bytes.get(entry.packId)![entry.offset + at] ^= 0xff;
  }

  const flipLoose = (sha: Sha256, bytes: Buffer) => {
    const bad = Buffer.from(bytes);
    bad[bad.length >> 1] ^= 0x01;
    loose.corrupt(sha, bad);
  };
  const available = async (file: { id: string }) => (await mapper.toRecord((await metadata.getFile(file.id))!)).content_available;
  const quarantined = async (sha: Sha256) => (await metadata.getBlobs([sha])).get(sha)?.quarantined_at !== null;
  const checkedBlobs = () => counter(metrics, 'hoard_scrub_blobs_checked_total');

  return {
    sut,
    store,
    loose,
    index,
    packFiles,
    metadata,
    blobs,
    metrics,
    stored,
    flipPacked,
    flipLoose,
    available,
    quarantined,
    checkedBlobs,
  };
}

const sorted = (shas: string[]) => [...shas].sort();

describe('ScrubJob', () => {
  let f: Awaited<ReturnType<typeof scrubFixture>>;
  beforeEach(async () => (f = await scrubFixture()));
  afterEach(async () => {
    jest.useRealTimers();
    await f.metadata.close();
  });

  it('finds a corrupt loose blob, quarantines it alone, and an upload of the right bytes heals it', async () => {
    const good = await f.stored(5000);
    const bad = await f.stored(4000);
    f.flipLoose(bad.sha, bad.bytes);

    const result = await f.sut.run(new FakeJobContext());

    expect(result).toEqual({ blobs_checked: 2, bytes_checked: 9000, corrupt: [bad.sha], missing: [], corrupt_count: 1, missing_count: 0 });
    expect(await f.quarantined(bad.sha)).toBe(true);
    expect(await f.store.stat(bad.sha)).toBeNull();
    expect([...f.loose.quarantined.keys()]).toEqual([`${bad.sha}.0`]);
    expect(await f.available(bad.file)).toBe(false);
    expect(await f.blobs.missing([good.sha, bad.sha])).toEqual([bad.sha]);
    expect(await f.available(good.file)).toBe(true);
    expect(await counter(f.metrics, 'hoard_scrub_problems_total', { problem: 'corrupt' })).toBe(1);
    expect(await counter(f.metrics, 'hoard_scrub_last_problems', { problem: 'corrupt' })).toBe(1);

    await f.blobs.put(bad.sha, Readable.from([bad.bytes]), bad.bytes.length);
    expect(await f.available(bad.file)).toBe(true);
    expect((await drain(await f.store.read(bad.sha))).bytes.equals(bad.bytes)).toBe(true);
  });

  it('finds registered content whose loose copy is gone, and quarantines it: clients are asked for it again', async () => {
    const kept = await f.stored(2000);
    const lost = await f.stored(3000);
    await f.loose.delete(lost.sha);

    const result = await f.sut.run(new FakeJobContext());

    expect(result).toEqual({ blobs_checked: 2, bytes_checked: 2000, corrupt: [], missing: [lost.sha], corrupt_count: 0, missing_count: 1 });
    expect(await f.quarantined(lost.sha)).toBe(true);
    expect(await f.available(lost.file)).toBe(false);
    expect(await f.blobs.missing([kept.sha, lost.sha])).toEqual([lost.sha]);
    expect(await counter(f.metrics, 'hoard_scrub_problems_total', { problem: 'missing' })).toBe(1);
  });

  it('quarantines only the corrupt entry of a pack: the entries beside it stay served', async () => {
    const entries = [await f.stored(100), await f.stored(200), await f.stored(300)];
    const packs = new Set(await Promise.all(entries.map(async (e) => (await f.index.lookup(e.sha))!.packId)));
    expect(packs.size).toBe(1);
    await f.flipPacked(entries[1].sha, 150);

    const result = await f.sut.run(new FakeJobContext());

    expect(result).toMatchObject({ blobs_checked: 3, bytes_checked: 600, corrupt: [entries[1].sha], missing: [] });
    expect(await f.index.lookup(entries[1].sha)).toBeNull();
    expect(await f.available(entries[1].file)).toBe(false);
    for (const sibling of [entries[0], entries[2]]) {
      expect(await f.available(sibling.file)).toBe(true);
      expect((await drain(await f.store.read(sibling.sha))).bytes.equals(sibling.bytes)).toBe(true);
    }
  });

  it('reads packed and loose content alike, and leaves content taken down, quarantined or empty alone', async () => {
    await f.stored(500);
    await f.stored(THRESHOLD * 3);
    const down = await f.stored(700);
    await f.blobs.delete(down.sha);
    const earlier = await f.stored(800);
    await f.metadata.quarantineBlob(earlier.sha, new Date());
    await f.metadata.registerBlob(content(0).sha, 0, new Date());

    const context = new FakeJobContext();
    const result = await f.sut.run(context);

    // The quarantined content's copy is still stored (an upload healing it may be under way): it is read, and sound.
    expect(result).toEqual({
      blobs_checked: 3,
      bytes_checked: 500 + THRESHOLD * 3 + 800,
      corrupt: [],
      missing: [],
      corrupt_count: 0,
      missing_count: 0,
    });
    expect(context.reports[0]).toEqual({ done: 0, total: 3, bytes: 0 });
    expect(context.lastProgress).toEqual({ done: 3, total: 3, bytes: 500 + THRESHOLD * 3 + 800 });
  });

  it('reads content the registry does not know, and quarantines it when corrupt', async () => {
    const orphan = content(5000);
    await f.store.put(orphan.sha, Readable.from([orphan.bytes]));
    f.flipLoose(orphan.sha, orphan.bytes);

    const result = await f.sut.run(new FakeJobContext());

    expect(result).toMatchObject({ blobs_checked: 1, bytes_checked: 5000, corrupt: [orphan.sha], missing: [] });
    expect(await f.store.stat(orphan.sha)).toBeNull();
    expect((await f.metadata.getBlobs([orphan.sha])).size).toBe(0);
  });

  it('in a dry run, reports what it would quarantine and changes nothing', async () => {
    const bad = await f.stored(4000);
    const lost = await f.stored(3000);
    const badPacked = await f.stored(300);
    f.flipLoose(bad.sha, bad.bytes);
    await f.loose.delete(lost.sha);
    await f.flipPacked(badPacked.sha);

    const result = await f.sut.run(new FakeJobContext({ dryRun: true }));

    expect(result).toMatchObject({ blobs_checked: 3, corrupt: sorted([bad.sha, badPacked.sha]), missing: [lost.sha] });
    for (const c of [bad, lost, badPacked]) {
      expect(await f.quarantined(c.sha)).toBe(false);
      expect(await f.available(c.file)).toBe(true);
    }
    expect(await f.store.stat(bad.sha)).toEqual({ sha256: bad.sha, size: 4000 });
    expect(await f.index.lookup(badPacked.sha)).not.toBeNull();
    expect(f.loose.quarantined.size).toBe(0);
    expect(await counter(f.metrics, 'hoard_scrub_problems_total')).toBe(0);
    expect(await counter(f.metrics, 'hoard_scrub_last_problems', { problem: 'missing' })).toBe(1);
  });

  it('continues from its checkpoint: what was done is not read again, and the totals are those of one pass', async () => {
    const all = [];
    for (let i = 0; i < 12; i++) all.push(await f.stored(i % 2 === 0 ? 400 : 2000));
    // The walk: the packed entries in the order they were packed (one pack), then the loose blobs in digest order.
    const packed = all.filter((c) => c.bytes.length < THRESHOLD);
    const loose = sorted(all.filter((c) => c.bytes.length >= THRESHOLD).map((c) => c.sha));
    const bySha = new Map(all.map((c) => [c.sha as string, c]));
    f.sut.checkpointEvery = { blobs: 2, ms: 60_000 };

    const first = new FakeJobContext({ cancelAtDone: 9 });
    await expect(f.sut.run(first)).rejects.toThrow('the job was cancelled');
    // Every second blob, then where the cancellation stopped it (the packs are done, and three loose blobs).
    expect(first.saved).toEqual([
      ...[2, 4, 6].map((n) => expect.objectContaining({ stage: 'packs', offset: (n - 1) * 400, blobs_checked: n })),
      expect.objectContaining({ stage: 'loose', after: loose[1], blobs_checked: 8 }),
      expect.objectContaining({ stage: 'loose', after: loose[2], blobs_checked: 9 }),
    ]);
    const saved = first.lastCheckpoint;

    // Damage on both sides of the checkpoint: only what follows it is read again.
    await f.flipPacked(packed[4].sha);
    f.flipLoose(loose[1] as Sha256, bySha.get(loose[1])!.bytes);
    const later = bySha.get(loose[4])!;
    f.flipLoose(later.sha, later.bytes);
    const before = await f.checkedBlobs();

    const second = new FakeJobContext({ checkpoint: saved });
    const result = await f.sut.run(second);

    expect(result).toMatchObject({ blobs_checked: 12, corrupt: [later.sha], missing: [], corrupt_count: 1 });
    expect(result.bytes_checked).toBe(6 * 400 + 6 * 2000);
    expect((await f.checkedBlobs()) - before).toBe(3);
    expect(second.reports[0]).toMatchObject({ done: 9 });
    expect(second.lastProgress).toEqual({ done: 12, total: 12, bytes: 6 * 400 + 6 * 2000 });
  });

  it('continues inside a pack from its checkpoint: the entries up to its offset are not read again', async () => {
    const entries = [];
    for (let i = 0; i < 5; i++) entries.push(await f.stored(300 + i));
    const at = (await f.index.lookup(entries[1].sha))!;
    await f.flipPacked(entries[0].sha);
    await f.flipPacked(entries[3].sha);
    const checkpoint = { ...ScrubTally.fresh().checkpoint(), pack: at.packId, offset: at.offset, blobs_checked: 2, bytes_checked: 601 };

    const result = await f.sut.run(new FakeJobContext({ checkpoint }));

    expect(result).toEqual({
      blobs_checked: 5,
      bytes_checked: 5 * 300 + 10,
      corrupt: [entries[3].sha],
      missing: [],
      corrupt_count: 1,
      missing_count: 0,
    });
    expect(await f.checkedBlobs()).toBe(3);
    expect(await f.index.lookup(entries[0].sha)).not.toBeNull();
  });

  it('starts over when its checkpoint is not one it could have saved', async () => {
    await f.stored(100);
    await f.stored(2000);
    // The last: a checkpoint of a scrub that walked everything in digest order, which says nothing of the packs.
    const digestOrder = { after: '', blobs_checked: 0, bytes_checked: 0, corrupt: [], missing: [], corrupt_count: 0, missing_count: 0 };
    const fresh = ScrubTally.fresh().checkpoint();
    for (const checkpoint of [{ after: 'nope' }, 'text', { ...fresh, blobs_checked: -1 }, { ...fresh, pack: 'p' }, digestOrder]) {
      expect(await f.sut.run(new FakeJobContext({ checkpoint }))).toMatchObject({ blobs_checked: 2, bytes_checked: 2100 });
    }
  });

  it('stops between blobs when cancelled, with the reason of the cancellation, saving where it stopped', async () => {
    for (let i = 0; i < 8; i++) await f.stored(1500);
    const context = new FakeJobContext({ cancelAtDone: 1 });
    await expect(f.sut.run(context)).rejects.toThrow('the job was cancelled');
    expect(context.lastProgress.done).toBe(1);
    expect(await f.checkedBlobs()).toBe(1);
    expect(context.saved).toEqual([expect.objectContaining({ blobs_checked: 1, bytes_checked: 1500 })]);
  });

  it('reads no faster than its rate: a token bucket over the bytes of every read', async () => {
    const slow = await scrubFixture(100_000);
    try {
      for (let i = 0; i < 5; i++) await slow.stored(100_000);
      for (let i = 0; i < 4; i++) await slow.stored(1000 - i);
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: 0 });
      let ended: number | null = null;
      const run = slow.sut.run(new FakeJobContext()).then((result) => ((ended = Date.now()), result));
      // The clock moves only when the scrub waits for it: hashing, on the thread pool, takes no time on it.
      while (ended === null) {
        await new Promise((resolve) => setImmediate(resolve));
        await jest.advanceTimersToNextTimerAsync();
      }
      const result = await run;
      const bytes = 5 * 100_000 + 1000 + 999 + 998 + 997;
      expect(result).toMatchObject({ blobs_checked: 9, bytes_checked: bytes });
      // A quarter of a second's worth may go at once (64 KiB at least); the rest at 100,000 bytes a second.
      const earliest = ((bytes - 64 * 1024) / 100_000) * 1000;
      expect(ended).toBeGreaterThanOrEqual(earliest);
      expect(ended!).toBeLessThanOrEqual(earliest + 200);
    } finally {
      await slow.metadata.close();
    }
  });

  it('does not call content missing that an upload stored after the store had been listed', async () => {
    const late = await f.stored(3000);
    // The same store, but its loose listing was taken before the upload: the registry wants what it does not list.
    const unlisted = Object.assign(Object.create(f.loose) as MemoryBlobStore, { list: () => Readable.from([]) });
    const store = new PackedBlobStore({ loose: unlisted, index: f.index, files: f.packFiles, threshold: THRESHOLD });
    const sut = new ScrubJob(store, f.metadata, f.metadata, new QuarantineService(store, f.metadata, f.metrics), testSettings(), f.metrics);

    expect(await sut.run(new FakeJobContext())).toMatchObject({ blobs_checked: 1, bytes_checked: 3000, missing: [] });
    expect(await f.quarantined(late.sha)).toBe(false);
  });

  it('reads each pack once, front to back, and hashes its entries from that read alone', async () => {
    const entries = [];
    for (let i = 0; i < 40; i++) entries.push(await f.stored(100 + i));
    await f.stored(THRESHOLD * 2);
    const packs = new Set(await Promise.all(entries.map(async (e) => (await f.index.lookup(e.sha))!.packId)));
    const packReads = jest.spyOn(f.packFiles, 'read');
    const storeReads = jest.spyOn(f.store, 'read');

    const result = await f.sut.run(new FakeJobContext());

    expect(result).toMatchObject({ blobs_checked: 41, corrupt: [], missing: [] });
    expect(packReads.mock.calls.map(([id, offset]) => [id, offset])).toEqual([...packs].sort().map((id) => [id, 0]));
    // Not one digest went through the store's own (verifying) reads.
    expect(storeReads).not.toHaveBeenCalled();
  });

  it('looks at the entries of a pack gone since it was listed one by one, and calls the registered ones missing', async () => {
    const entries = [await f.stored(100), await f.stored(200)];
    const { packId } = (await f.index.lookup(entries[0].sha))!;
    const orphan = content(300);
    await f.store.put(orphan.sha, Readable.from([orphan.bytes]));
    f.packFiles.bytes.delete(packId);

    const result = await f.sut.run(new FakeJobContext());

    // The unregistered entry has nobody to miss it: it is passed over.
    expect(result).toEqual({
      blobs_checked: 2,
      bytes_checked: 0,
      corrupt: [],
      missing: sorted(entries.map((e) => e.sha)),
      corrupt_count: 0,
      missing_count: 2,
    });
    for (const e of entries) expect(await f.available(e.file)).toBe(false);
  });

  it('finds the entries past the end of a pack cut short corrupt, and those before it sound', async () => {
    const entries = [await f.stored(100), await f.stored(200), await f.stored(300)];
    const { packId } = (await f.index.lookup(entries[1].sha))!;
    f.packFiles.bytes.set(packId, f.packFiles.bytes.get(packId)!.subarray(0, 150));

    const result = await f.sut.run(new FakeJobContext());

    expect(result).toEqual({
      blobs_checked: 3,
      bytes_checked: 600,
      corrupt: sorted([entries[1].sha, entries[2].sha]),
      missing: [],
      corrupt_count: 2,
      missing_count: 0,
    });
    expect(await f.available(entries[0].file)).toBe(true);
    expect(await f.index.lookup(entries[2].sha)).toBeNull();
  });

  describe('parseOptions', () => {
    it('takes a rate of 0 (none) or more bytes a second, and the setting when the request names none', async () => {
      const limited = await scrubFixture(5_000_000);
      expect(limited.sut.parseOptions({})).toEqual({ max_bytes_per_second: 5_000_000 });
      expect(limited.sut.parseOptions({ max_bytes_per_second: 0 })).toEqual({ max_bytes_per_second: 0 });
      expect(f.sut.parseOptions({})).toEqual({ max_bytes_per_second: 0 });
      expect(f.sut.parseOptions({ max_bytes_per_second: 1_048_576 })).toEqual({ max_bytes_per_second: 1_048_576 });
      await limited.metadata.close();
    });

    it.each([[-1], [1.5], ['1000'], [true], [Number.MAX_SAFE_INTEGER + 1]])('refuses a rate of %p, naming the field', (rate) => {
      expect(() => f.sut.parseOptions({ max_bytes_per_second: rate })).toThrow(
        expect.objectContaining({
          code: 'validation_failed',
          details: { fields: [{ field: 'max_bytes_per_second', errors: [expect.stringContaining('whole number')] }] },
        }),
      );
    });

    it('refuses an option a scrub does not have', () => {
      let error: unknown;
      try {
        f.sut.parseOptions({ max_bytes_per_second: 10, speed: 'fast' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HoardError);
      expect((error as HoardError).details).toEqual({ fields: [{ field: 'speed', errors: [expect.stringContaining('not an option')] }] });
    });
  });
});
