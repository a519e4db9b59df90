import { Dirent, lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, relative, sep } from 'node:path';
import { childPath } from '../io/state-cache';
import { ExcludeMatcher } from './exclude-matcher';

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
  /** Set when the directory could not be listed: its contents are missing from the scan. */
  error?: NodeJS.ErrnoException;
}

export interface WalkOptions {
  excludes: readonly string[];
  followSymlinks: boolean;
}

/**
 * Walks each root synchronously, one directory listing (`readdir` with file types) at a time, applying
 * gitignore-style excludes relative to the root; excluded directories are pruned rather than walked. A root that
 * is itself a file (or a link to one) is yielded alone. With `followSymlinks`, links to directories are walked
 * too, except into a directory that is already being walked above (a cycle).
 */
export class ScanWalker {
  private readonly matcher: ExcludeMatcher;

  constructor(private readonly options: WalkOptions) {
    this.matcher = new ExcludeMatcher(options.excludes);
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
    const filter = !this.matcher.empty;
    const stack: Array<{ dir: string; rel: string; above: string[] }> = [{ dir: root, rel: '', above: follow ? [identity(st)!] : [] }];
    while (stack.length > 0) {
      const { dir, rel, above } = stack.pop()!;
      let dirents: Dirent[];
      try {
        dirents = readdirSync(dir, { withFileTypes: true });
      } catch (err) {
        // Gone since its parent was listed: what it held is looked for (and found gone) with the deletions.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') yield { dir, listed: [], files: [], error: err as NodeJS.ErrnoException };
        continue;
      }
      const listed: string[] = new Array(dirents.length);
      const files: string[] = [];
      for (let i = 0; i < dirents.length; i++) {
        const d = dirents[i];
        const name = d.name;
        listed[i] = name;
        let isDir = d.isDirectory();
        let linkedDir: { dev: bigint | number; ino: bigint | number } | null = null;
        if (follow && d.isSymbolicLink()) {
          const target = statOrNull(childPath(dir, name));
          if (target?.isDirectory()) {
            isDir = true;
            linkedDir = target;
          }
        }
        const childRel = filter ? (rel === '' ? name : `${rel}/${name}`) : '';
        if (filter && this.matcher.ignores(childRel, isDir)) continue;
        if (!isDir) {
          files.push(name);
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
      yield { dir, listed, files };
    }
  }

  /** The path of `path` relative to `root`, `/`-separated. */
  static relative(root: string, path: string): string {
    return relative(root, path).split(sep).join('/');
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
