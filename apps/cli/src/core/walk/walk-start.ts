import { resolve } from 'node:path';
import { StateCache } from '../../io/state-cache/state-cache';
import { InlineWalkFeed } from './inline-walk-feed';
import { WalkOptions } from './scan-walker';
import { ThreadWalkFeed, WalkFeed } from './walk-feed';
import { WalkJob } from './walk-protocol';

/**
 * The distinct absolute roots of `paths`, in their order, leaving out any inside another (it would be walked twice).
 * Sorted with `/` before every other character, a path's descendants follow it directly: one pass finds them, so a
 * watch batch of ten thousand files costs no more than its sort.
 */
export function scanRoots(paths: string[]): string[] {
  const resolved = [...new Set(paths.map((p) => resolve(p)))];
  const key = (path: string) => path.replaceAll('/', '\u0000');
  const sorted = resolved.map((path) => [key(path), path] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const nested = new Set<string>();
  let outer: string | null = null;
  for (const [, path] of sorted) {
    if (outer !== null && path.startsWith(outer.endsWith('/') ? outer : `${outer}/`)) nested.add(path);
    else outer = path;
  }
  return resolved.filter((path) => !nested.has(path));
}

/** Starts the walk of `roots` (from `scanRoots`): on a worker thread when one starts, so it overlaps the scan's start. */
export function startWalk(roots: string[], options: WalkOptions, cache: StateCache | null): WalkFeed {
  const job: WalkJob = {
    roots,
    options: {
      excludes: options.excludes,
      includes: options.includes ?? [],
      followSymlinks: options.followSymlinks,
      native: options.native,
    },
    cache: cache ? { file: cache.file, scope: cache.scope } : null,
  };
  try {
    return new ThreadWalkFeed(job);
  } catch {
    return new InlineWalkFeed(job);
  }
}
