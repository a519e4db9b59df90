import { resolve } from 'node:path';
import { StateCache } from '../../io/state-cache/state-cache';
import { InlineWalkFeed } from './inline-walk-feed';
import { WalkOptions } from './scan-walker';
import { ThreadWalkFeed, WalkFeed } from './walk-feed';
import { WalkJob } from './walk-protocol';

/** The distinct absolute roots of `paths`, leaving out any inside another (it would be walked twice). */
export function scanRoots(paths: string[]): string[] {
  const resolved = [...new Set(paths.map((p) => resolve(p)))];
  return resolved.filter((r) => !resolved.some((o) => o !== r && r.startsWith(o.endsWith('/') ? o : `${o}/`)));
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
