import ignore, { Ignore } from 'ignore';

/**
 * gitignore-style excludes, relative to a scanned root (the `ignore` package). As in git, nothing under an excluded
 * directory can be re-included, so the walker prunes a directory for which `ignores(path, true)` holds.
 */
export class ExcludeMatcher {
  private readonly ig: Ignore;
  /** True when there is nothing to exclude. */
  readonly empty: boolean;

  constructor(patterns: readonly string[]) {
    const lines = patterns.filter((p) => p.trim() !== '');
    this.ig = ignore().add(lines);
    this.empty = lines.length === 0;
  }

  /** True when the path (relative to the root, `/`-separated) is excluded, itself or through a parent. */
  ignores(relativePath: string, isDirectory = false): boolean {
    if (this.empty || relativePath === '' || relativePath === '.') return false;
    return this.ig.ignores(isDirectory ? `${relativePath}/` : relativePath);
  }
}
