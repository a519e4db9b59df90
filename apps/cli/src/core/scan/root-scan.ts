import { childPath } from '../../io/state-cache/cache-paths';
import { RootFeed } from '../walk/walk-feed';
import { EntryInspector } from './entry-inspector';
import { ioReason } from './file-classifier';
import { PathSet } from './path-set';
import { ScanContext } from './scan-context';
import { ScanStages } from './scan-stages';

/** What the walk of one root leaves for the deletions: paths that may be gone, and what it saw (see `seen`). */
export interface RootWalked {
  /** Cached entries that the listings no longer hold, or that were found gone: deletion candidates. */
  gone: string[];
  /** Every path the walk met, when the cache knows nothing under the root (the server's records are then compared). */
  seen: PathSet | null;
  /** With `seen`: the server's records under the root when its walk began, if one page held them (see DeletionTracker). */
  listedAtStart: Promise<string[] | null>;
}

/**
 * The scan of one root: takes its directory reports from the walk, hands each entry to the stages, and collects
 * the deletion candidates. A root that cannot be walked is reported failed and leaves no candidates: an unmounted
 * disk must not read as deleted.
 */
export class RootScan {
  constructor(
    private readonly ctx: ScanContext,
    private readonly stages: ScanStages,
    private readonly inspector: EntryInspector,
    private readonly track: boolean,
    /** Asked when the walk of a root the cache knows nothing of begins (see RootWalked.listedAtStart). */
    private readonly listAtStart: (root: string) => Promise<string[] | null> = async () => null,
  ) {}

  /** Scans `root` from its reports; null when the run must stop (the server cannot be used). */
  async run(root: string, reports: RootFeed): Promise<RootWalked | null> {
    const { cache } = this.ctx;
    // Directories cached under the root; when there are none (and the root is no cached file), the server's
    // records tell what was there.
    const known = this.track && cache ? cache.dirsUnder(root) : [];
    const seen = this.track && known.length === 0 && !cache?.lookupName(root) ? new PathSet() : null;
    const listedAtStart = seen ? this.listAtStart(root) : Promise.resolve(null);
    const visited = new Set<string>();
    const gone: string[] = [];
    try {
      for await (const report of reports) {
        if (this.ctx.fatal) return null;
        const { dir } = report;
        if (report.error) {
          this.ctx.skipped(dir, `directory cannot be read (${ioReason(report.error, 'cannot scan')})`);
          continue;
        }
        if (report.listed) visited.add(dir);
        for (const path of report.gone) gone.push(path);
        if (report.same.length > 0) await this.stages.takeUnchanged(report, seen);
        for (const name of report.other) {
          const path = childPath(dir, name);
          this.ctx.seen();
          seen?.add(path);
          const found = this.inspector.inspect(path);
          if (found === 'gone') seen?.delete(path);
          else if (found) await this.stages.take(path, found);
        }
      }
    } catch (err) {
      if (this.ctx.fatal) return null;
      this.ctx.failed(root, ioReason(err, 'cannot scan'));
      return { gone: [], seen: null, listedAtStart };
    }
    if (this.ctx.fatal) return null;
    // Cached directories the walk did not list: removed, or excluded or unreadable now (checked on disk later).
    for (const dir of known) {
      if (visited.has(dir)) continue;
      const cached = cache?.dir(dir);
      for (let i = 0; cached && i < cached.size; i++) gone.push(cached.path(i));
    }
    return { gone, seen, listedAtStart };
  }
}
