import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ScanOptions, ScanPipeline } from '../core/scan/scan-pipeline';
import { ScanEvent, ScanSummary } from '../core/scan/scan-events';
import { ContentHasher } from '../core/scan/scan-stages';
import { InlineWalkFeed } from '../core/walk/inline-walk-feed';
import { WalkFeed } from '../core/walk/walk-feed';
import { scanRoots } from '../core/walk/walk-start';
import { StateCache } from '../io/state-cache/state-cache';
import { FakeHoardClient } from './fake-hoard-client';
import { scanContext, scratch, sha } from './scan-fixtures';

/** What a scan run of the harness gives back: the summary (less its elapsed time), the events, the paths read. */
export interface ScanRun {
  summary: Omit<ScanSummary, 'elapsed_ms'>;
  events: ScanEvent[];
  read: string[];
}

/** How one run goes: the pipeline's options, a dry run, the walk to use (default: on this thread), the paths. */
export type RunOptions = Partial<ScanOptions> & { dryRun?: boolean; feed?: (roots: string[]) => WalkFeed; paths?: string[] };

/**
 * A tree under a temporary root, a state cache and the in-memory server, and ScanPipeline runs over them: the walk on
 * this thread and a hasher that reads files here (no worker threads), so a whole scan takes milliseconds.
 */
export class ScanHarness {
  readonly client = new FakeHoardClient();
  readonly root: string;
  cache: StateCache | null;
  /** Paths whose reading finds the file changed meanwhile. */
  readonly changing = new Set<string>();
  private readonly tmp = scratch('hoard-pipeline-');
  private read: string[] = [];

  constructor() {
    this.root = join(this.tmp.dir, 'root');
    mkdirSync(this.root);
    this.cache = new StateCache(join(this.tmp.dir, 'cache'), 'scope');
  }

  /** The absolute path of `rel` under the root. */
  path(rel: string): string {
    return join(this.root, rel);
  }

  /** Writes a file (and its directories). */
  write(rel: string, content: string): string {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), content);
    return this.path(rel);
  }

  /** Runs a scan of the root (or `paths`) and clears the server's call log first. */
  async scan(options: RunOptions = {}): Promise<ScanRun> {
    this.client.calls.length = 0;
    this.read = [];
    const paths = options.paths ?? [this.root];
    const scanOptions: ScanOptions = { excludes: [], followSymlinks: false, concurrency: 2, trackDeletions: true, ...options };
    const { ctx, events } = scanContext(this.client, { cache: this.cache, dryRun: options.dryRun });
    const roots = scanRoots(paths);
    const walk = { excludes: scanOptions.excludes, includes: scanOptions.includes ?? [], followSymlinks: scanOptions.followSymlinks };
    const cache = this.cache ? { file: this.cache.file, scope: this.cache.scope } : null;
    const feed = options.feed?.(roots) ?? new InlineWalkFeed({ roots, options: walk, cache });
    const { elapsed_ms: _, ...summary } = await new ScanPipeline(ctx, this.hasher, scanOptions).run(paths, feed);
    return { summary, events, read: this.read.map((p) => p.slice(this.root.length + 1)).sort() };
  }

  close(): void {
    this.cache?.close();
    this.tmp.remove();
  }

  /** Reads files on this thread, as a worker of the pool would. */
  readonly hasher: ContentHasher = {
    hash: async (path, options = {}) => {
      this.read.push(path);
      if (options.noFollow && lstatSync(path).isSymbolicLink()) throw Object.assign(new Error(`ELOOP: ${path}`), { code: 'ELOOP' });
      const content = readFileSync(path);
      return { sha256: sha(content), bytes: content.length, changed: this.changing.has(path) };
    },
  };
}
