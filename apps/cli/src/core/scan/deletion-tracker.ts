import { lstat } from 'node:fs/promises';
import { BoundedRunner } from '../concurrency/bounded-runner';
import { PathSet } from './path-set';
import { ScanContext } from './scan-context';

/**
 * Records asked for a page when listing the server's records under a root. On a first scan of 100,000 small files,
 * pages of 1,000 (the most the server gives) grew the CLI's heap by about 50 MiB during the listing alone, its peak
 * resident size from 289 to 351 MiB; pages of 200 kept it flat, and the listing took as long (about 3 s).
 */
const SERVER_PAGE = 200;

/**
 * Server listings read at once: a first scan given thousands of files (`xargs hoard scan`) asks for one per file, and
 * one after another they took 2.5 ms each (3,000 files: 7.5 s, against 0.9 s for their directory).
 */
export const LISTINGS_AT_ONCE = 16;

/**
 * Reports paths under the scanned roots that were recorded before and are gone now
 * (`POST /api/v1/files/deleted`). The scan hands in candidates: cached entries its directory listings no longer
 * hold, and, under a root the cache knows nothing of, the server's records the walk did not see. A candidate is
 * reported only if it truly no longer exists (an excluded file, or one in an unreadable directory, is still there).
 */
export class DeletionTracker {
  private readonly candidates = new Set<string>();
  private readonly listings = new BoundedRunner(LISTINGS_AT_ONCE);

  constructor(private readonly ctx: ScanContext) {}

  /** A path that may be gone. */
  candidate(path: string): void {
    this.candidates.add(path);
  }

  /**
   * The paths the server records at or under `root`, read when the walk of a root the cache knows nothing of begins,
   * or null when they fill more than a page (then {@link fromServer} lists them after the walk) or could not be read
   * (then it fails as it would). A first scan thus finds an empty listing up front and lists nothing after its last
   * upload (100,000 files: 3 s saved), and a root of one file is listed once. At most
   * {@link LISTINGS_AT_ONCE} are read at a time.
   */
  listedAtStart(root: string): Promise<string[] | null> {
    return new Promise((resolve) => void this.listings.run(async () => resolve(await this.firstPage(root))));
  }

  /** Takes as candidates the paths of {@link listedAtStart} that the walk did not see. */
  fromListing(paths: string[], seen: PathSet): void {
    for (const path of paths) if (!seen.has(path)) this.candidates.add(path);
  }

  /** Takes as candidates the server's records at or under `root` that are not in `seen` (what the walk found). */
  async fromServer(root: string, seen: PathSet): Promise<void> {
    for await (const record of this.listing(root)) {
      const path = record.filepath;
      if (underRoot(root, path) && !seen.has(path)) this.candidates.add(path);
    }
  }

  /** The server's records of this host by the prefix `root`, a page of {@link SERVER_PAGE} at a time. */
  private listing(root: string) {
    return this.ctx.client.iterateFiles({ hostname: this.ctx.hostname, path_prefix: root, limit: SERVER_PAGE });
  }

  private async firstPage(root: string): Promise<string[] | null> {
    const paths: string[] = [];
    let read = 0;
    try {
      for await (const record of this.listing(root)) {
        if (++read >= SERVER_PAGE) return null;
        if (underRoot(root, record.filepath)) paths.push(record.filepath);
      }
      return paths;
    } catch {
      return null;
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

/** `path` is `root` or lies under it (a listing by prefix also holds `root-2/…` and `root.txt`). */
function underRoot(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
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
