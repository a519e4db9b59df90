import { lstat } from 'node:fs/promises';
import { PathSet } from './path-set';
import { ScanContext } from './scan-context';

/**
 * Finds paths under the scanned roots that were recorded before and are gone now, and reports them
 * (`POST /api/v1/files/deleted`). Known paths come from the cache, or from the server when the cache knows
 * nothing under a root. A path not seen by the walk is reported only if it truly no longer exists (an excluded
 * or unreadable file is still there).
 */
export class DeletionTracker {
  constructor(private readonly ctx: ScanContext) {}

  /** Reports the deletions under `roots`; `seen` holds every path the walk found; `vanished` were found then lost. */
  async report(roots: string[], seen: PathSet, vanished: string[]): Promise<void> {
    const gone = new Set<string>(vanished);
    for (const root of roots) {
      for await (const path of this.known(root)) {
        if (!seen.has(path) && !gone.has(path) && !(await exists(path))) gone.add(path);
      }
    }
    if (gone.size === 0) return;
    const paths = [...gone].sort();
    try {
      await this.ctx.client.markDeleted(this.ctx.hostname, paths);
    } catch (err) {
      for (const path of paths) this.ctx.failed(path, `deletion not recorded: ${(err as Error).message}`);
      return;
    }
    this.ctx.cache?.removeMany(paths);
    for (const path of paths) {
      this.ctx.progress.deleted++;
      this.ctx.emit({ event: 'deleted', path });
    }
  }

  private async *known(root: string): AsyncGenerator<string> {
    let any = false;
    if (this.ctx.cache) {
      // Collected first: the cache's query must be finished before the cache is written again.
      const paths = [...this.ctx.cache.pathsUnder(root)];
      any = paths.length > 0;
      yield* paths;
    }
    if (any) return;
    const prefix = root.endsWith('/') ? root : `${root}/`;
    for await (const record of this.ctx.client.iterateFiles({ hostname: this.ctx.hostname, path_prefix: root })) {
      if (record.filepath === root || record.filepath.startsWith(prefix)) yield record.filepath;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== 'ENOENT';
  }
}
