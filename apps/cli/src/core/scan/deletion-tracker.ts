import { lstat } from 'node:fs/promises';
import { PathSet } from './path-set';
import { ScanContext } from './scan-context';

/**
 * Records asked for a page when listing the server's records under a root. On a first scan of 100,000 small files,
 * pages of 1,000 (the most the server gives) grew the CLI's heap by about 50 MiB during the listing alone, its peak
 * resident size from 289 to 351 MiB; pages of 200 kept it flat, and the listing took as long (about 3 s).
 */
const SERVER_PAGE = 200;

/**
 * Reports paths under the scanned roots that were recorded before and are gone now
 * (`POST /api/v1/files/deleted`). The scan hands in candidates: cached entries its directory listings no longer
 * hold, and, under a root the cache knows nothing of, the server's records the walk did not see. A candidate is
 * reported only if it truly no longer exists (an excluded file, or one in an unreadable directory, is still there).
 */
export class DeletionTracker {
  private readonly candidates = new Set<string>();

  constructor(private readonly ctx: ScanContext) {}

  /** A path that may be gone. */
  candidate(path: string): void {
    this.candidates.add(path);
  }

  /** Takes as candidates the server's records at or under `root` that are not in `seen` (what the walk found). */
  async fromServer(root: string, seen: PathSet): Promise<void> {
    const prefix = root.endsWith('/') ? root : `${root}/`;
    for await (const record of this.ctx.client.iterateFiles({ hostname: this.ctx.hostname, path_prefix: root, limit: SERVER_PAGE })) {
      const path = record.filepath;
      if ((path === root || path.startsWith(prefix)) && !seen.has(path)) this.candidates.add(path);
    }
  }

  /** Reports the candidates that are gone, and `vanished` (recorded in this run, then found gone). */
  async report(vanished: string[]): Promise<void> {
    const gone = new Set<string>(vanished);
    for (const path of this.candidates) {
      if (!gone.has(path) && !(await exists(path))) gone.add(path);
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
    for (const path of paths) this.ctx.deleted(path);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    // ENOTDIR: a directory on the way is a file now.
    const code = (err as { code?: string }).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}
