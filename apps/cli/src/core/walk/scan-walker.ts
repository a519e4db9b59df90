import { DirScan, KIND, scanDir } from '@hoard/native';
import { Dirent, lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { childPath } from '../../io/state-cache/cache-paths';
import { ExcludeMatcher } from './exclude-matcher';
import { includeMatcher } from './path-filter';

/** One directory found under a root, listed. */
export interface WalkDir {
  /** Absolute path of the directory. */
  dir: string;
  /**
   * Every name the listing returned, excluded ones included (what is not here is gone); null when only part of the
   * directory is looked at (a root that is a file).
   */
  listed: string[] | null;
  /** The names to inspect: anything but directories, not excluded. */
  files: string[];
  /** The lstat of each of `files`, taken with the listing by the native scanner (absent otherwise). */
  stats?: ListingStats;
  /** Set when the directory could not be listed: its contents are missing from the scan. */
  error?: NodeJS.ErrnoException;
}

/** What a native scan found of a directory's entries, and where each name of `files` is in it. */
export interface ListingStats extends Omit<DirScan, 'names'> {
  /** For each name of `files`, its entry in the arrays of the scan. */
  at: number[];
}

export interface WalkOptions {
  excludes: readonly string[];
  /** Globs a file must match to be taken (none: every file); directories are walked whatever they say. */
  includes?: readonly string[];
  followSymlinks: boolean;
  /** List with the native scanner where it was built (default true); false lists through fs (`HOARD_WALKER=js`). */
  native?: boolean;
}

/**
 * The native scanner (listing and lstat in one call, about twice as fast as readdir + lstat through fs), when it was
 * built and fits: links are not followed, and the walk through fs was not asked for.
 */
export function nativeScanner(options: WalkOptions): typeof scanDir {
  return options.followSymlinks || options.native === false ? null : scanDir;
}

/**
 * Walks each root synchronously, one directory listing (`readdir` with file types) at a time, applying
 * gitignore-style excludes relative to the root (excluded directories are pruned rather than walked) and the include
 * globs to files. A root that
 * is itself a file (or a link to one) is yielded alone. With `followSymlinks`, links to directories are walked
 * too, except into a directory that is already being walked above (a cycle).
 */
export class ScanWalker {
  private readonly matcher: ExcludeMatcher;
  private readonly included: ((path: string) => boolean) | null;
  private readonly scan: typeof scanDir;

  constructor(private readonly options: WalkOptions) {
    this.matcher = new ExcludeMatcher(options.excludes);
    this.included = includeMatcher(options.includes ?? []);
    this.scan = nativeScanner(options);
  }

  /** Directories under `root` (absolute, resolved), parents before children. Throws only when the root cannot be looked at. */
  *walk(root: string): Generator<WalkDir> {
    // A root named on the command line is followed even when it is a link to a directory (as `find -H` does).
    const lst = lstatSync(root);
    const st = lst.isSymbolicLink() ? statOrNull(root) : lst;
    if (!st?.isDirectory()) {
      yield { dir: dirname(root), listed: null, files: [basename(root)] };
      return;
    }
    const follow = this.options.followSymlinks;
    const filter = !this.matcher.empty || this.included !== null;
    const stack: Array<{ dir: string; rel: string; above: string[] }> = [{ dir: root, rel: '', above: follow ? [identity(st)!] : [] }];
    while (stack.length > 0) {
      const { dir, rel, above } = stack.pop()!;
      let names: string[];
      let dirents: Dirent[] | null = null;
      let scanned: DirScan | null = null;
      try {
        if (this.scan) {
          scanned = this.scan(dir);
          names = scanned.kinds.length === 0 ? [] : scanned.names.split('\0');
        } else {
          dirents = readdirSync(dir, { withFileTypes: true });
          names = dirents.map((d) => d.name);
        }
      } catch (err) {
        // Gone since its parent was listed: what it held is looked for (and found gone) with the deletions.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') yield { dir, listed: [], files: [], error: err as NodeJS.ErrnoException };
        continue;
      }
      const files: string[] = [];
      // Where each file is in the native scan's arrays.
      const at: number[] | null = scanned ? [] : null;
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        const d = dirents?.[i];
        let isDir = d ? d.isDirectory() : scanned!.kinds[i] === KIND.DIR;
        let linkedDir: { dev: bigint | number; ino: bigint | number } | null = null;
        if (follow && d?.isSymbolicLink()) {
          const target = statOrNull(childPath(dir, name));
          if (target?.isDirectory()) {
            isDir = true;
            linkedDir = target;
          }
        }
        const childRel = filter ? (rel === '' ? name : `${rel}/${name}`) : '';
        if (filter && this.matcher.ignores(childRel, isDir)) continue;
        if (!isDir && this.included && !this.included(childRel)) continue;
        if (!isDir) {
          files.push(name);
          at?.push(i);
          continue;
        }
        let chain = above;
        if (follow) {
          const id = identity(linkedDir ?? statOrNull(childPath(dir, name)));
          if (id === null || above.includes(id)) continue;
          chain = [...above, id];
        }
        stack.push({ dir: childPath(dir, name), rel: childRel, above: chain });
      }
      yield scanned
        ? { dir, listed: names, files, stats: { kinds: scanned.kinds, errnos: scanned.errnos, stats: scanned.stats, at: at! } }
        : { dir, listed: names, files };
    }
  }
}

function statOrNull(path: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function identity(st: { dev: bigint | number; ino: bigint | number } | null | undefined): string | null {
  return st ? `${st.dev}:${st.ino}` : null;
}
