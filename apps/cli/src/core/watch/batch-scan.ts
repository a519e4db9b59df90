import { lstat, readdir } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { ScanContext } from '../scan/scan-context';
import { ScanSummary } from '../scan/scan-events';
import { ScanOptions, ScanPipeline } from '../scan/scan-pipeline';
import { ContentHasher } from '../scan/scan-stages';
import { ExcludeMatcher } from '../walk/exclude-matcher';
import { PathFilter } from '../walk/path-filter';
import { scanRoots } from '../walk/walk-start';
import { Change, DeferredChange } from './settle-queue';

/** A batch of changes, looked at: what its scan does. */
export interface BatchPlan {
  /** Files to scan. */
  present: string[];
  /** Paths gone, to report deleted (with what the cache knew under them). */
  gone: string[];
  /** Paths that could not be looked at: failures of the batch. */
  unreadable: Array<{ path: string; reason: string }>;
}

/**
 * When a file found by a batch is read. A file is left to settle until its last change (its ctime) is `settleMs` old:
 * the files of a directory moved in whole changed long ago and are read at once, those of a directory just made and
 * still being filled wait, each until it is quiet.
 */
export interface FreshnessRule {
  settleMs: number;
  /** The clock (ms since 1970; default Date.now). */
  now?: () => number;
}

/**
 * Turns a batch of settled changes into one scan: paths that exist go through the scan pipeline (with the state
 * cache, so a file whose fingerprint is unchanged is not read again), a directory that appeared is scanned whole,
 * and paths that are gone are reported deleted together with what the cache knew under them. Throws, so that the
 * batch is tried again, when the server could not be used.
 */
export class BatchScan {
  private readonly filter: PathFilter;
  private readonly excludes: ExcludeMatcher;

  constructor(
    private readonly roots: string[],
    private readonly hasher: ContentHasher,
    private readonly options: ScanOptions,
    /** Without one, every file found is read (nothing is deferred). */
    private readonly freshness?: FreshnessRule,
  ) {
    this.roots = scanRoots(roots);
    this.filter = new PathFilter(options.includes ?? [], options.excludes);
    this.excludes = new ExcludeMatcher(options.excludes);
  }

  /** Whether an event for `path` concerns the watch: under a root and not excluded (the scan's rules). */
  wanted(path: string): boolean {
    const rel = this.relative(path);
    return rel !== null && !this.excludes.ignores(rel);
  }

  /** Scans every root, as `hoard scan` does, in `ctx`. */
  async full(ctx: ScanContext): Promise<ScanSummary> {
    return new ScanPipeline(ctx, this.hasher, this.options).run(this.roots);
  }

  /**
   * What a batch of changes comes to: the files to scan (a directory that appeared stands for the files under it),
   * the paths gone, and the paths that could not be looked at; the files changed too recently to be read (see
   * {@link FreshnessRule}) go into `deferred`, to be handed back to settle. Null when nothing is left to scan or
   * report (only directories' own updates, paths the filters leave out, files deferred), so that no scan run is
   * opened for it.
   */
  async plan(changes: Change[], deferred: DeferredChange[] = []): Promise<BatchPlan | null> {
    const present = new Set<string>();
    const gone: string[] = [];
    const unreadable: Array<{ path: string; reason: string }> = [];
    const take = this.taker(present, deferred);
    for (const { path, created } of changes) {
      const rel = this.relative(path);
      if (rel === null) continue;
      try {
        const st = await lstat(path);
        // A directory's own update says nothing about its files (they have events of their own); one that appeared
        // (made, or moved in whole) is gone through, with the excludes read from the watched root as the scan does.
        if (!st.isDirectory()) {
          if (this.filter.matches(rel)) take(path, created, st.ctimeMs);
        } else if (created && !this.excludes.ignores(rel, true)) {
          await this.filesUnder(path, rel, take);
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') gone.push(path);
        else unreadable.push({ path, reason: (err as Error).message });
      }
    }
    // Without deletion tracking (or in a dry run) a batch of only gone paths has nothing to tell the server.
    const reportsGone = gone.length > 0 && this.options.trackDeletions;
    if (present.size === 0 && !reportsGone && unreadable.length === 0) return null;
    return { present: [...present], gone: reportsGone ? gone : [], unreadable };
  }

  /** Takes a file found with its ctime: into `present`, or, changed within the settle time, into `deferred`. */
  private taker(present: Set<string>, deferred: DeferredChange[]): (path: string, created: boolean, ctimeMs: number) => void {
    const rule = this.freshness;
    const now = rule ? (rule.now ?? Date.now)() : 0;
    return (path, created, ctimeMs) => {
      // A ctime ahead of the clock (the clock was set back) waits no longer than a change made now.
      if (rule && ctimeMs > now - rule.settleMs) deferred.push({ path, created, readyAt: Math.min(ctimeMs, now) + rule.settleMs });
      else present.add(path);
    };
  }

  /** Runs a plan in `ctx`: the present files through the scan pipeline, then the gone paths reported. */
  async apply(plan: BatchPlan, ctx: ScanContext): Promise<ScanSummary> {
    for (const { path, reason } of plan.unreadable) ctx.failed(path, reason);
    if (plan.present.length > 0) {
      // Deletions come from events here; the periodic rescan, which tracks them, catches what events missed.
      await new ScanPipeline(ctx, this.hasher, { ...this.options, trackDeletions: false }).run(plan.present);
    }
    if (plan.gone.length > 0 && !ctx.dryRun) await this.reportGone(ctx, plan.gone);
    return ctx.summary();
  }

  /** Tells the server of the gone paths and of every cached path under them; a failure leaves the batch to retry. */
  private async reportGone(ctx: ScanContext, gone: string[]): Promise<void> {
    const paths = new Set<string>();
    for (const path of gone) {
      if (!ctx.cache) {
        paths.add(path);
        for await (const record of ctx.client.iterateFiles({ hostname: ctx.hostname, path_prefix: `${path}/` })) paths.add(record.filepath);
        continue;
      }
      if (ctx.cache.lookupName(path)) paths.add(path);
      for (const dir of ctx.cache.dirsUnder(path)) {
        const cached = ctx.cache.dir(dir);
        for (let i = 0; cached && i < cached.size; i++) paths.add(cached.path(i));
      }
    }
    if (paths.size === 0) return;
    const sorted = [...paths].sort();
    await ctx.client.markDeleted(ctx.hostname, sorted);
    ctx.cache?.removeMany(sorted);
    for (const path of sorted) ctx.deleted(path);
  }

  /** Takes the files under `dir` (at `rel` under its root) that the filters take; their ctimes only with a rule. */
  private async filesUnder(dir: string, rel: string, take: (path: string, created: boolean, ctimeMs: number) => void): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const files: string[] = [];
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!this.excludes.ignores(childRel, true)) await this.filesUnder(path, childRel, take);
      } else if (this.filter.matches(childRel)) {
        files.push(path);
      }
    }
    if (!this.freshness) return files.forEach((path) => take(path, true, 0));
    // A file gone since the listing is left to its own event.
    const ctimes = await Promise.all(
      files.map((path) =>
        lstat(path).then(
          (st) => st.ctimeMs,
          () => null,
        ),
      ),
    );
    files.forEach((path, i) => ctimes[i] !== null && take(path, true, ctimes[i]!));
  }

  /** `path` relative to the root holding it, `/`-separated; null when it is under none. */
  private relative(path: string): string | null {
    for (const root of this.roots) {
      const rel = relative(root, path);
      if (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) return rel.split(sep).join('/');
    }
    return null;
  }
}
