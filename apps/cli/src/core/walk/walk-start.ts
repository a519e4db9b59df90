import { resolve } from 'node:path';
import { StateCache } from '../../io/state-cache/state-cache';
import type { ScanOptions } from '../scan/scan-pipeline';
import { WalkFeed } from './walk-worker';

/** The distinct absolute roots of `paths`, leaving out any inside another (it would be walked twice). */
export function scanRoots(paths: string[]): string[] {
  const resolved = [...new Set(paths.map((p) => resolve(p)))];
  return resolved.filter((r) => !resolved.some((o) => o !== r && r.startsWith(o.endsWith('/') ? o : `${o}/`)));
}

/** Starts the walk of `roots` (from `scanRoots`): on a worker thread when it can, so it overlaps the scan's start. */
export function startWalk(roots: string[], options: Pick<ScanOptions, 'excludes' | 'includes' | 'followSymlinks'>, cache: StateCache | null): WalkFeed {
  return new WalkFeed({
    roots,
    options: { excludes: options.excludes, includes: options.includes ?? [], followSymlinks: options.followSymlinks },
    cache: cache ? { file: cache.file, scope: cache.scope } : null,
  });
}
