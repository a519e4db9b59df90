import { BigIntStats, lstatSync, readlinkSync, statSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { EMPTY_SHA256, FileMetadata, HoardError, LIMITS } from '@app/contracts';
import { childPath } from '../../io/state-cache/cache-paths';
import { BoundedRunner } from '../concurrency/bounded-runner';
import { DeletionTracker } from './deletion-tracker';
import { Confirmer, KnownFile } from './known-files';
import { fingerprintOf, ioReason, isSkippable, metadataOf, skipReason } from './file-classifier';
import { HashPool } from '../concurrency/hash-pool';
import { PathSet } from './path-set';
import { RecordBatcher } from '../concurrency/record-batcher';
import { PendingRecord, ScanContext } from './scan-context';
import { ScanProgress, ScanSummary } from './scan-events';
import { ScanRecorder } from './scan-recorder';
import { STAT } from '@hoard/native';
import { DirReport } from '../walk/dir-reports';
import { WalkFeed } from '../walk/walk-feed';
import { scanRoots, startWalk } from '../walk/walk-start';

export interface ScanOptions {
  excludes: string[];
  /** Globs a file must match to be recorded (none: every file). */
  includes?: string[];
  followSymlinks: boolean;
  /** Parallel uploads. */
  concurrency: number;
  trackDeletions: boolean;
  /** Records per batch (at most 1,000). */
  batchSize?: number;
  /** List with the native scanner where it was built (default true). */
  native?: boolean;
}

/**
 * One scan as a pipeline: the walk lists one directory at a time and checks each entry against that directory's
 * cached entries (stat, compare the fingerprint); unknown files go to the hash pool, records leave in batches while
 * hashing goes on, and uploads run beside both. Cached names missing from a listing are the deletion candidates.
 * Per-file problems are reported and counted; the run goes on.
 */
export class ScanPipeline {
  private walkedEntries = 0;

  constructor(private readonly ctx: ScanContext, private readonly pool: HashPool, private readonly options: ScanOptions) {}

  /**
   * Scans the roots and resolves with the summary; `feed` is the walk started beforehand with `startWalk` (of the
   * same paths), if any. Throws only when nothing could run (e.g. the server is unreachable).
   */
  async run(paths: string[], feed?: WalkFeed): Promise<ScanSummary> {
    const roots = scanRoots(paths);
    const walk = feed ?? startWalk(roots, this.options, this.ctx.cache);
    try {
      return await this.scan(roots, walk);
    } finally {
      await walk.close();
    }
  }

  private async scan(roots: string[], feed: WalkFeed): Promise<ScanSummary> {
    for (const root of roots) {
      await lstat(root).catch((err) => {
        throw new HoardError('invalid_request', `cannot scan ${root}: ${ioReason(err, 'cannot scan')}`, { cause: err });
      });
    }
    const { cache } = this.ctx;
    const recorder = new ScanRecorder(this.ctx, this.options.concurrency);
    const batcher = new RecordBatcher<PendingRecord>((items) => recorder.send(items), { size: this.options.batchSize });
    const confirmer = new Confirmer(recorder, Math.min(this.options.batchSize ?? LIMITS.batchMax, LIMITS.batchMax));
    // Enough files in flight to keep every hashing worker busy while stats and cache checks go on.
    const files = new BoundedRunner(256);
    const track = this.options.trackDeletions && !this.ctx.dryRun;
    const deletions = new DeletionTracker(this.ctx);
    const askServer: Array<[string, PathSet]> = [];
    for (const [index, root] of roots.entries()) {
      // Directories cached under the root; when there are none (and the root is no cached file), the server's
      // records tell what was there.
      const known = track && cache ? cache.dirsUnder(root) : [];
      const seen = track && known.length === 0 && !cache?.lookupName(root) ? new PathSet() : null;
      const visited = new Set<string>();
      const gone: string[] = [];
      try {
        for await (const report of feed.root(index)) {
          if (this.ctx.fatal) break;
          const { dir } = report;
          if (report.error) {
            this.ctx.skipped(dir, `directory cannot be read (${ioReason(report.error, 'cannot scan')})`);
            continue;
          }
          if (report.listed) visited.add(dir);
          for (const path of report.gone) gone.push(path);
          if (report.same.length > 0) await this.takeUnchanged(report, confirmer, batcher, seen);
          for (const name of report.other) {
            const path = childPath(dir, name);
            this.walkedEntries++;
            seen?.add(path);
            const next = this.inspect(path);
            if (next === 'gone') seen?.delete(path);
            else if (next && 'record' in next && next.record.recordId) await confirmer.add(next.record);
            else if (next && 'record' in next) await batcher.add(next.record);
            else if (next) await files.run(() => this.hashAndRecord(path, next.st, batcher));
          }
        }
        if (this.ctx.fatal) break;
        // Cached directories the walk did not list: removed, or excluded or unreadable now (checked on disk).
        for (const dir of known) {
          if (visited.has(dir)) continue;
          const cached = cache?.dir(dir);
          for (let i = 0; cached && i < cached.size; i++) gone.push(cached.path(i));
        }
        if (seen) askServer.push([root, seen]);
        // Only now: a root that could not be walked is left alone (an unmounted disk must not read as deleted).
        for (const path of gone) deletions.candidate(path);
      } catch (err) {
        if (this.ctx.fatal) break;
        this.ctx.failed(root, ioReason(err, 'cannot scan'));
      }
    }
    this.ctx.progress.walkDone = true;
    await files.drain();
    await confirmer.drain();
    await batcher.drain();
    await recorder.drain();
    if (this.ctx.fatal) throw this.ctx.fatal;
    if (track) {
      for (const [root, seen] of askServer) await deletions.fromServer(root, seen);
      await deletions.report(recorder.vanished);
    }
    return this.summary();
  }

  /**
   * The files of a report that the walk found unchanged: each is confirmed by its record id, or recorded again when
   * the cache knows no id. Kept small and apart from `scan`: it runs once per file of an unchanged tree.
   */
  private async takeUnchanged(report: DirReport, confirmer: Confirmer, batcher: RecordBatcher<PendingRecord>, seen: PathSet | null): Promise<void> {
    const { dir, same, ids, stats } = report;
    const { progress, hostname } = this.ctx;
    const source = { make: (at: number) => new KnownFile(dir, same[at], hostname, report, at) };
    this.walkedEntries += same.length;
    for (let i = 0; i < same.length; i++) {
      const size = Number(stats[i * STAT.FIELDS + STAT.SIZE]);
      seen?.add(childPath(dir, same[i]));
      ScanProgress.add(progress.scanned, size);
      ScanProgress.add(progress.unchanged, size);
      if (ids[i] === '') await batcher.add(source.make(i));
      else if (confirmer.addKnown(ids[i], size, source, i)) await confirmer.flush();
    }
  }

  /**
   * Synchronous look at an entry the walk did not find unchanged: stat, classify, and look for it in the cache
   * (it may have changed back, or been renamed). Returns the record of a file known from the cache, the stat of a
   * file that must be read, 'gone' when it vanished, or null when the entry is settled (skipped or failed).
   */
  private inspect(path: string): { record: PendingRecord } | { st: BigIntStats } | 'gone' | null {
    const { progress, cache } = this.ctx;
    let st: BigIntStats;
    try {
      // Synchronous on purpose: the promise API costs several times the system call itself.
      st = this.options.followSymlinks ? statSync(path, { bigint: true }) : lstatSync(path, { bigint: true });
    } catch (err) {
      if (this.options.followSymlinks && isBrokenLink(path, err)) this.ctx.skipped(path, 'broken symbolic link');
      else this.problem(path, err, 'before it was read');
      return (err as { code?: string }).code === 'ENOENT' ? 'gone' : null;
    }
    ScanProgress.add(progress.scanned, Number(st.size));
    if (st.isSymbolicLink()) return this.inspectLink(path, st);
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

  /** A symbolic link (not followed) is recorded as what it is: its target, no content. */
  private inspectLink(path: string, st: BigIntStats): { record: PendingRecord } | 'gone' | null {
    let target: string;
    try {
      target = readlinkSync(path);
    } catch (err) {
      this.problem(path, err, 'before it was read');
      return (err as { code?: string }).code === 'ENOENT' ? 'gone' : null;
    }
    const fp = fingerprintOf(st);
    const exact = this.ctx.cache?.lookup(path, fp) ?? null;
    const meta: FileMetadata = { ...metadataOf(path, this.ctx.hostname, EMPTY_SHA256, st), size: 0, type: 'symlink', link_target: target };
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
