import picomatch from 'picomatch';
import { ExcludeMatcher } from './exclude-matcher';

/**
 * Which paths (relative to a root, `/`-separated) a command takes: those matching one of the `--include` globs
 * (picomatch, as fast-glob matches: a pattern without a slash matches a name at any depth; dotfiles match), if any
 * are given, and not left out by the gitignore-style `--exclude` patterns.
 */
export class PathFilter {
  private readonly included: ((path: string) => boolean) | null;
  private readonly excluded: ExcludeMatcher;

  constructor(includes: readonly string[] = [], excludes: readonly string[] = []) {
    this.included = includeMatcher(includes);
    this.excluded = new ExcludeMatcher(excludes);
  }

  /** True when nothing is filtered. */
  get empty(): boolean {
    return this.included === null && this.excluded.empty;
  }

  /** Whether the file at `relativePath` is taken. */
  matches(relativePath: string): boolean {
    if (this.excluded.ignores(relativePath)) return false;
    return this.included === null || this.included(relativePath);
  }

  /** Whether a file passes the includes (the excludes are applied by the caller, e.g. the walk). */
  includes(relativePath: string): boolean {
    return this.included === null || this.included(relativePath);
  }
}

/**
 * A test of include globs, or null when there are none: a glob without a slash matches a name at any depth, one with
 * a slash the path from the root (picomatch's `basename` option would keep the latter from matching at all).
 */
export function includeMatcher(includes: readonly string[]): ((path: string) => boolean) | null {
  const globs = includes.map((g) => g.trim()).filter((g) => g !== '');
  if (globs.length === 0) return null;
  const names = globs.filter((g) => !g.includes('/'));
  const paths = globs.filter((g) => g.includes('/')).map((g) => g.replace(/^\//, ''));
  const byName = names.length > 0 ? picomatch(names, { dot: true, basename: true }) : () => false;
  const byPath = paths.length > 0 ? picomatch(paths, { dot: true }) : () => false;
  return (path) => byName(path) || byPath(path);
}
