import { lstatSync } from 'node:fs';
import { HoardError } from '@app/contracts';
import { WalkFeed } from '../walk/walk-feed';
import { scanRoots, startWalk } from '../walk/walk-start';
import { DeletionTracker, LISTINGS_AT_ONCE } from './deletion-tracker';
import { EntryInspector } from './entry-inspector';
import { ioReason } from './file-classifier';
import { PathSet } from './path-set';
import { RootScan } from './root-scan';
import { ScanContext } from './scan-context';
import { ScanSummary } from './scan-events';
import { ContentHasher, ScanStages } from './scan-stages';

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
  /** Files of this size and more are uploaded resumably, through the tus uploads (default 64 MiB). */
  resumableThreshold?: number;
}

/**
 * One scan as a pipeline: the walk lists one directory at a time and checks each entry against that directory's
 * cached entries (stat, compare the fingerprint); unknown files go to the hash pool, records leave in batches while
 * hashing goes on, and uploads run beside both. Cached names missing from a listing are the deletion candidates.
 * Per-file problems are reported and counted; the run goes on.
 */
export class ScanPipeline {
  constructor(
    private readonly ctx: ScanContext,
    private readonly hasher: ContentHasher,
    private readonly options: ScanOptions,
  ) {}

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
    // Synchronous: a watch batch names thousands of files, and an awaited lstat costs several times the call.
    for (const root of roots) {
      try {
        lstatSync(root);
      } catch (err) {
        throw new HoardError('invalid_request', `cannot scan ${root}: ${ioReason(err, 'cannot scan')}`, { cause: err });
      }
    }
    const stages = new ScanStages(this.ctx, this.hasher, this.options);
    const track = this.options.trackDeletions && !this.ctx.dryRun;
    const deletions = new DeletionTracker(this.ctx);
    const inspector = new EntryInspector(this.ctx, this.options.followSymlinks);
    const rootScan = new RootScan(this.ctx, stages, inspector, track, (root) => deletions.listedAtStart(root));
    const askServer: Array<[string, PathSet, Promise<string[] | null>]> = [];
    for (const [index, root] of roots.entries()) {
      const walked = await rootScan.run(root, feed.root(index));
      if (!walked) break;
      if (walked.seen) askServer.push([root, walked.seen, walked.listedAtStart]);
      for (const path of walked.gone) deletions.candidate(path);
    }
    this.ctx.walkFinished();
    await stages.drain();
    if (this.ctx.fatal) throw this.ctx.fatal;
    if (track) {
      await listAtOnce(askServer, async ([root, seen, listed]) => {
        const paths = await listed;
        if (paths) deletions.fromListing(paths, seen);
        else await deletions.fromServer(root, seen);
      });
      await deletions.report(stages.recorder.vanished);
    }
    return this.ctx.summary();
  }
}

/** Runs `list` on every item, {@link LISTINGS_AT_ONCE} at a time; the first failure stops the rest and is thrown. */
async function listAtOnce<T>(items: T[], list: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await list(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LISTINGS_AT_ONCE, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}
