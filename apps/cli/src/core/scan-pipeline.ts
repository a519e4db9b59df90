import { BigIntStats, lstatSync, statSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HoardError } from '@app/contracts';
import { BoundedRunner } from './bounded-runner';
import { DeletionTracker } from './deletion-tracker';
import { fingerprintOf, ioReason, isSkippable, metadataOf, skipReason } from './file-classifier';
import { HashPool } from './hash-pool';
import { PathSet } from './path-set';
import { RecordBatcher } from './record-batcher';
import { PendingRecord, ScanContext } from './scan-context';
import { ScanProgress, ScanSummary } from './scan-events';
import { ScanRecorder } from './scan-recorder';
import { ScanWalker } from './scan-walker';

export interface ScanOptions {
  excludes: string[];
  followSymlinks: boolean;
  /** Parallel uploads. */
  concurrency: number;
  trackDeletions: boolean;
  /** Records per batch (at most 1,000). */
  batchSize?: number;
}

/**
 * One scan as a pipeline: the walk feeds stat and cache checks, unknown files go to the hash pool, records leave
 * in batches while hashing goes on, and uploads run beside both. Per-file problems are reported and counted;
 * the run goes on.
 */
export class ScanPipeline {
  private readonly seen = new PathSet();
  private walkedEntries = 0;

  constructor(private readonly ctx: ScanContext, private readonly pool: HashPool, private readonly options: ScanOptions) {}

  /** Scans the roots and resolves with the summary. Throws only when nothing could run (e.g. the server is unreachable). */
  async run(paths: string[]): Promise<ScanSummary> {
    const resolved = [...new Set(paths.map((p) => resolve(p)))];
    // A root inside another root would be walked twice.
    const roots = resolved.filter((r) => !resolved.some((o) => o !== r && r.startsWith(o.endsWith('/') ? o : `${o}/`)));
    for (const root of roots) {
      await lstat(root).catch((err) => {
        throw new HoardError('invalid_request', `cannot scan ${root}: ${ioReason(err, 'cannot scan')}`, { cause: err });
      });
    }
    const recorder = new ScanRecorder(this.ctx, this.options.concurrency);
    const batcher = new RecordBatcher<PendingRecord>((items) => recorder.send(items), { size: this.options.batchSize });
    // Files known to the server by record id are only confirmed (POST /api/v1/files/seen), not recorded again.
    const confirmations = new RecordBatcher<PendingRecord>((items) => recorder.confirm(items), { size: this.options.batchSize });
    const walker = new ScanWalker({ excludes: this.options.excludes, followSymlinks: this.options.followSymlinks });
    // Enough files in flight to keep every hashing worker busy while stats and cache checks go on.
    const files = new BoundedRunner(256);
    const walked: string[] = [];
    for (const root of roots) {
      try {
        for await (const entry of walker.walk(root)) {
          if (this.ctx.fatal) break;
          if (entry.unreadable) {
            this.ctx.skipped(entry.path, 'directory cannot be read (permission denied)');
            continue;
          }
          this.seen.add(entry.path);
          this.walkedEntries++;
          const next = this.inspect(entry.path);
          if (next && 'record' in next) await (next.record.recordId ? confirmations : batcher).add(next.record);
          else if (next) await files.run(() => this.hashAndRecord(entry.path, next.st, batcher));
        }
        walked.push(root);
      } catch (err) {
        if (this.ctx.fatal) break;
        this.ctx.failed(root, ioReason(err, 'cannot scan'));
      }
    }
    await files.drain();
    await confirmations.drain();
    await batcher.drain();
    await recorder.drain();
    if (this.ctx.fatal) throw this.ctx.fatal;
    // A root that could not be walked is left alone: an unmounted disk must not read as everything deleted.
    if (this.options.trackDeletions && !this.ctx.dryRun) {
      await new DeletionTracker(this.ctx).report(walked, this.seen, recorder.vanished);
    }
    return this.summary();
  }

  /**
   * Synchronous first look at an entry: stat, classify, cache. Returns the record of a file known from the cache,
   * the stat of a file that must be read, or null when the entry is settled (skipped or failed).
   */
  private inspect(path: string): { record: PendingRecord } | { st: BigIntStats } | null {
    const { progress, cache } = this.ctx;
    let st: BigIntStats;
    try {
      // Synchronous on purpose: the promise API costs several times the system call itself, and on a large
      // unchanged tree the stat calls are most of the work.
      st = this.options.followSymlinks ? statSync(path, { bigint: true }) : lstatSync(path, { bigint: true });
    } catch (err) {
      if (this.options.followSymlinks && isBrokenLink(path, err)) this.ctx.skipped(path, 'broken symbolic link');
      else this.problem(path, err, 'before it was read');
      return null;
    }
    ScanProgress.add(progress.scanned, Number(st.size));
    const reason = skipReason(st);
    if (reason) {
      this.ctx.skipped(path, reason);
      return null;
    }
    const fp = fingerprintOf(st);
    const exact = cache?.lookup(path, fp) ?? null;
    const known = exact?.sha256 ?? cache?.lookupRenamed(path, fp)?.sha256 ?? null;
    if (!known) return { st };
    ScanProgress.add(progress.unchanged, Number(st.size));
    const meta = metadataOf(path, this.ctx.hostname, known, st);
    return { record: { meta, fp, fresh: false, cached: exact !== null, recordId: exact?.recordId ?? null } };
  }

  private async hashAndRecord(path: string, st: BigIntStats, batcher: RecordBatcher<PendingRecord>): Promise<void> {
    if (this.ctx.fatal) return;
    try {
      const res = await this.pool.hash(path, { noFollow: !this.options.followSymlinks, expect: { size: st.size, mtimeNs: st.mtimeNs } });
      ScanProgress.add(this.ctx.progress.hashed, res.bytes);
      if (res.changed) return this.ctx.failed(path, 'changed while it was read; scan again to record it');
      await batcher.add({ meta: metadataOf(path, this.ctx.hostname, res.sha256, st), fp: fingerprintOf(st), fresh: true }, res.bytes);
    } catch (err) {
      return this.problem(path, err, 'while it was read');
    }
  }

  private problem(path: string, err: unknown, when: string): void {
    if ((err as { code?: string }).code === 'ENOENT') this.seen.delete(path);
    if (isSkippable(err)) this.ctx.skipped(path, ioReason(err, when));
    else this.ctx.failed(path, ioReason(err, when));
  }

  private summary(): ScanSummary {
    const p = this.ctx.progress;
    return {
      event: 'summary',
      dry_run: this.ctx.dryRun,
      seen: this.walkedEntries,
      unchanged: p.unchanged.files,
      hashed: { ...p.hashed },
      recorded: p.recorded,
      new_versions: p.newVersions,
      uploaded: { ...p.uploaded },
      deduplicated: { ...p.deduplicated },
      ...(this.ctx.dryRun ? { would_upload: { ...p.wouldUpload } } : {}),
      deleted: p.deleted,
      skipped: p.skipped,
      failed: p.failed,
      reasons: { ...this.ctx.reasons },
      elapsed_ms: Date.now() - p.startedAt,
    };
  }
}

/** True when following `path` failed because it is a symbolic link to nothing. */
function isBrokenLink(path: string, err: unknown): boolean {
  if ((err as { code?: string }).code !== 'ENOENT') return false;
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
