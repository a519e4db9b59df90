import ignore, { Ignore } from 'ignore';

/**
 * gitignore-style excludes, relative to a scanned root. `ignores` is exact (the `ignore` package); `prunePatterns`
 * are fast-glob patterns that let the walker skip excluded directories without descending into them.
 */
export class ExcludeMatcher {
  private readonly ig: Ignore;
  private readonly empty: boolean;

  constructor(private readonly patterns: readonly string[]) {
    const lines = patterns.filter((p) => p.trim() !== '');
    this.ig = ignore().add(lines);
    this.empty = lines.length === 0;
  }

  /** True when the path (relative to the root, `/`-separated) is excluded, itself or through a parent. */
  ignores(relativePath: string, isDirectory = false): boolean {
    if (this.empty || relativePath === '' || relativePath === '.') return false;
    return this.ig.ignores(isDirectory ? `${relativePath}/` : relativePath);
  }

  /**
   * Patterns for fast-glob's `ignore`: only what is surely excluded. With a negation anywhere, a directory might
   * be re-included inside, so nothing is pruned and the exact matcher alone decides.
   */
  prunePatterns(): string[] {
    const lines = this.patterns.map((p) => p.trim()).filter((p) => p !== '' && !p.startsWith('#'));
    if (lines.some((p) => p.startsWith('!') || p.includes('\\'))) return [];
    const out: string[] = [];
    for (const line of lines) {
      const dirOnly = line.endsWith('/');
      const body = line.replace(/\/+$/, '');
      if (body === '' || body === '**') continue;
      const anchored = body.includes('/');
      const glob = anchored ? body.replace(/^\/+/, '') : `**/${body}`;
      // fast-glob's `x/**` also matches a file named x, so a directory-only pattern prunes the children instead.
      if (dirOnly) out.push(`${glob}/*`);
      else out.push(glob, `${glob}/**`);
    }
    return out;
  }
}
