import fg from 'fast-glob';
import { accessSync, constants, Dirent } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ExcludeMatcher } from './exclude-matcher';

/** One entry found under a root: anything but a directory. */
export interface WalkEntry {
  /** Absolute path. */
  path: string;
  root: string;
  /** Set for a directory the walk could not read: its contents are missing from the scan. */
  unreadable?: true;
}

export interface WalkOptions {
  excludes: readonly string[];
  followSymlinks: boolean;
}

/**
 * Streams the entries (files, symlinks, special files; not directories) under each root with fast-glob, applying
 * gitignore-style excludes relative to the root; excluded directories are pruned rather than walked. A root that
 * is itself a file (or a link to one) is yielded as is.
 */
export class ScanWalker {
  private readonly matcher: ExcludeMatcher;

  constructor(private readonly options: WalkOptions) {
    this.matcher = new ExcludeMatcher(options.excludes);
  }

  /** Entries under `root` (absolute). Throws only when the root itself cannot be read. */
  async *walk(root: string): AsyncGenerator<WalkEntry> {
    // A root named on the command line is followed even when it is a link to a directory (as `find -H` does).
    const st = (await lstat(root)).isSymbolicLink() ? await stat(root).catch(() => null) : await lstat(root);
    if (!st?.isDirectory()) {
      yield { path: root, root };
      return;
    }
    const stream = fg.stream('**', {
      cwd: root,
      dot: true,
      onlyFiles: false,
      objectMode: true,
      followSymbolicLinks: this.options.followSymlinks,
      suppressErrors: true,
      ignore: this.matcher.prunePatterns(),
      unique: false,
    });
    for await (const item of stream as AsyncIterable<{ path: string; dirent: Dirent }>) {
      if (item.dirent.isDirectory()) {
        // fast-glob passes over directories it cannot read in silence; say so instead.
        const dir = join(root, item.path);
        if (!canList(dir) && !this.matcher.ignores(item.path, true)) yield { path: dir, root, unreadable: true };
        continue;
      }
      if (this.options.followSymlinks && item.dirent.isSymbolicLink() && (await isDirectory(join(root, item.path)))) continue;
      if (this.matcher.ignores(item.path)) continue;
      yield { path: join(root, item.path), root };
    }
  }

  /** The path of `path` relative to `root`, `/`-separated. */
  static relative(root: string, path: string): string {
    return relative(root, path).split(sep).join('/');
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function canList(dir: string): boolean {
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
