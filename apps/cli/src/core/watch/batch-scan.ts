import { lstat, readdir } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { ScanContext } from '../scan/scan-context';
import { ScanSummary } from '../scan/scan-events';
import { ScanOptions, ScanPipeline } from '../scan/scan-pipeline';
import { ContentHasher } from '../scan/scan-stages';
import { ExcludeMatcher } from '../walk/exclude-matcher';
import { PathFilter } from '../walk/path-filter';
import { scanRoots } from '../walk/walk-start';
import { Change } from './settle-queue';

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
   * the paths gone, and the paths that could not be looked at. Null when nothing is left to do (only directories'
   * own updates, or paths the filters leave out), so that no scan run is opened for it.
   */
  async plan(changes: Change[]): Promise<BatchPlan | null> {
    const present = new Set<string>();
    const gone: string[] = [];
    const unreadable: Array<{ path: string; reason: string }> = [];
    for (const { path, created } of changes) {
      const rel = this.relative(path);
      if (rel === null) continue;
      try {
        const st = await lstat(path);
        // A directory's own update says nothing about its files (they have events of their own); one that appeared
        // (made, or moved in whole) is gone through, with the excludes read from the watched root as the scan does.
        if (!st.isDirectory()) {
          if (this.filter.matches(rel)) present.add(path);
        } else if (created && !this.excludes.ignores(rel, true)) {
          await this.filesUnder(path, rel, present);
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

  /** Adds the files under `dir` (at `rel` under its root) that the filters take. */
  private async filesUnder(dir: string, rel: string, into: Set<string>): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!this.excludes.ignores(childRel, true)) await this.filesUnder(path, childRel, into);
      } else if (this.filter.matches(childRel)) {
        into.add(path);
      }
    }
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
