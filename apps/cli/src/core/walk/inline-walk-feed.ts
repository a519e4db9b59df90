import { openCacheReader } from '../../io/state-cache/cache-reader';
import { dirReports } from './dir-reports';
import { ScanWalker } from './scan-walker';
import { RootFeed, WalkFeed } from './walk-feed';
import { WalkJob } from './walk-protocol';

/** The same walk on this thread, root by root as the scan reads them: where no thread can be started. */
export class InlineWalkFeed implements WalkFeed {
  constructor(private readonly job: WalkJob) {}

  async *root(index: number): RootFeed {
    const { roots, options, cache } = this.job;
    const reader = cache ? openCacheReader(cache.file, cache.scope) : null;
    try {
      yield* dirReports(roots[index], new ScanWalker(options), reader, options.followSymlinks);
    } finally {
      reader?.close();
    }
  }

  async close(): Promise<void> {}
}
