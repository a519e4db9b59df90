import { STAT } from '@hoard/native';
import { BigIntStats } from 'node:fs';
import { LIMITS } from '@app/contracts';
import { childPath } from '../../io/state-cache/cache-paths';
import { BoundedRunner } from '../concurrency/bounded-runner';
import { HashPool } from '../concurrency/hash-pool';
import { RecordBatcher } from '../concurrency/record-batcher';
import { DirReport } from '../walk/dir-reports';
import { Confirmer } from './confirmer';
import { Inspected } from './entry-inspector';
import { fingerprintOf, ioReason, isSkippable, metadataOf } from './file-classifier';
import { KnownFile } from './known-file';
import { PathSet } from './path-set';
import { PendingRecord, ScanContext } from './scan-context';
import { ScanRecorder } from './scan-recorder';

/** What reads and hashes files for a scan (the hash pool). */
export type ContentHasher = Pick<HashPool, 'hash'>;

/** How the stages run: parallel uploads, records per batch, and whether links are followed. */
export interface StageOptions {
  concurrency: number;
  batchSize?: number;
  followSymlinks: boolean;
  /** Files of this size and more are uploaded resumably (default 64 MiB). */
  resumableThreshold?: number;
}

/**
 * The stages a file goes through after the walk, running side by side: files to read go to the hash pool (enough in
 * flight to keep every worker busy), records leave in batches while hashing goes on, files known by record id are
 * only confirmed, and the recorder uploads what the server lacks.
 */
export class ScanStages {
  readonly recorder: ScanRecorder;
  private readonly batcher: RecordBatcher<PendingRecord>;
  private readonly confirmer: Confirmer;
  /** Enough files in flight to keep every hashing worker busy while stats and cache checks go on. */
  private readonly files = new BoundedRunner(256);

  constructor(
    private readonly ctx: ScanContext,
    private readonly hasher: ContentHasher,
    private readonly options: StageOptions,
  ) {
    const resumableMin = options.resumableThreshold;
    this.recorder = new ScanRecorder(ctx, options.concurrency, resumableMin === undefined ? {} : { resumableMin });
    this.batcher = new RecordBatcher<PendingRecord>((items) => this.recorder.send(items), { size: options.batchSize });
    this.confirmer = new Confirmer(this.recorder, Math.min(options.batchSize ?? LIMITS.batchMax, LIMITS.batchMax));
  }

  /**
   * The files of a report that the walk found unchanged: each is confirmed by its record id, or recorded again when
   * the cache knows no id. Kept small: it runs once per file of an unchanged tree.
   */
  async takeUnchanged(report: DirReport, seen: PathSet | null): Promise<void> {
    const { dir, same, ids, stats } = report;
    const { hostname } = this.ctx;
    const source = { make: (at: number) => new KnownFile(dir, same[at], hostname, report, at) };
    this.ctx.seen(same.length);
    for (let i = 0; i < same.length; i++) {
      const size = Number(stats[i * STAT.FIELDS + STAT.SIZE]);
      seen?.add(childPath(dir, same[i]));
      this.ctx.scanned(size);
      this.ctx.unchanged(size);
      if (ids[i] === '') await this.batcher.add(source.make(i));
      else if (this.confirmer.addKnown(ids[i], size, source, i)) await this.confirmer.flush();
    }
  }

  /** An entry looked at (EntryInspector): a record known from the cache goes out as it is, a file to read is hashed. */
  async take(path: string, found: Exclude<Inspected, 'gone' | null>): Promise<void> {
    if ('st' in found) return this.files.run(() => this.hashAndRecord(path, found.st));
    if (found.record.recordId) await this.confirmer.add(found.record);
    else await this.batcher.add(found.record);
  }

  /** Waits for every file to be read, recorded and uploaded, and saves the cache. */
  async drain(): Promise<void> {
    await this.files.drain();
    await this.confirmer.drain();
    await this.batcher.drain();
    await this.recorder.drain();
  }

  private async hashAndRecord(path: string, st: BigIntStats): Promise<void> {
    if (this.ctx.fatal) return;
    try {
      const res = await this.hasher.hash(path, { noFollow: !this.options.followSymlinks, expect: { size: st.size, mtimeNs: st.mtimeNs } });
      this.ctx.hashed(res.bytes);
      if (res.changed) return this.ctx.failed(path, 'changed while it was read; scan again to record it');
      await this.batcher.add({ meta: metadataOf(path, this.ctx.hostname, res.sha256, st), fp: fingerprintOf(st), fresh: true }, res.bytes);
    } catch (err) {
      if (isSkippable(err)) this.ctx.skipped(path, ioReason(err, 'while it was read'));
      else this.ctx.failed(path, ioReason(err, 'while it was read'));
    }
  }
}
