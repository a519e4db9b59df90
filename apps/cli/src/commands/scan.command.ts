import type { HoardClient } from '@app/client';
import { Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { HashPool } from '../core/hash-pool';
import { ScanContext } from '../core/scan-context';
import { ScanEvent } from '../core/scan-events';
import { scanRoots, ScanPipeline, startWalk } from '../core/scan-pipeline';
import { commandContext } from '../io/command-context';
import { StateCache } from '../io/state-cache';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { renderSummary, ScanProgressView } from '../ui/scan-progress.view';
import { collect, positiveInt } from './option-parsers';

interface ScanFlags {
  exclude?: string[];
  concurrency: number;
  hashWorkers: number;
  dryRun?: boolean;
  cache: boolean;
  json?: boolean;
  followSymlinks?: boolean;
  trackDeletions: boolean;
  quiet?: boolean;
}

/** `hoard scan <path…>`: walk, hash, record, upload only what the server lacks, report deletions. */
export function scanCommand(): Command {
  return new Command('scan')
    .description('walk the paths, hash, record, and upload only what the server lacks')
    .argument('<path...>', 'files or directories to scan')
    .addOption(new Option('--exclude <glob>', 'gitignore-style pattern to leave out (repeatable)').env('HOARD_EXCLUDE').argParser(collect))
    .addOption(new Option('--concurrency <n>', 'parallel uploads').env('HOARD_CONCURRENCY').argParser(positiveInt).default(16))
    .addOption(new Option('--hash-workers <n>', 'hashing threads').env('HOARD_HASH_WORKERS').argParser(positiveInt).default(availableParallelism()))
    .addOption(new Option('--dry-run', 'hash and check, change nothing').env('HOARD_DRY_RUN'))
    .addOption(new Option('--no-cache', 'ignore the local state cache: read every file').env('HOARD_NO_CACHE'))
    .addOption(new Option('--json', 'NDJSON events on stdout').env('HOARD_JSON'))
    .addOption(new Option('--follow-symlinks', 'follow symbolic links (default: skip them)').env('HOARD_FOLLOW_SYMLINKS'))
    .addOption(new Option('--no-track-deletions', 'do not report paths gone since the last scan').env('HOARD_NO_TRACK_DELETIONS'))
    .addOption(new Option('-q, --quiet', 'no progress or summary on stderr').env('HOARD_QUIET'))
    .action((paths: string[], _flags: ScanFlags, cmd: Command) => runAction(() => scan(paths, cmd)));
}

async function scan(paths: string[], cmd: Command): Promise<number> {
  const flags = cmd.optsWithGlobals<ScanFlags>();
  const { config, out, client: makeClient } = commandContext(cmd);
  const cache = flags.cache ? new StateCache(config.cacheDir, StateCache.scopeOf(config.url, config.hostname)) : null;
  const options = {
    excludes: flags.exclude ?? [],
    followSymlinks: Boolean(flags.followSymlinks),
    concurrency: flags.concurrency,
    trackDeletions: flags.trackDeletions,
  };
  // The walk starts before the client is made, so the two overlap.
  const feed = startWalk(scanRoots(paths), options, cache);
  let client: HoardClient;
  try {
    client = makeClient();
  } catch (err) {
    await feed.close();
    cache?.close();
    throw err;
  }
  const pool = new HashPool(flags.hashWorkers);
  let view: ScanProgressView | null = null;
  const listener = (e: ScanEvent) => {
    if (out.json) out.line(e);
    else if (e.event === 'failed') view?.note(`failed: ${e.path}: ${e.reason}`);
  };
  const ctx = new ScanContext(client, cache, config.hostname, Boolean(flags.dryRun), listener);
  view = new ScanProgressView(ctx.progress, process.stderr, Boolean(flags.quiet));
  try {
    view.start();
    const summary = await new ScanPipeline(ctx, pool, options).run(paths, feed);
    view.stop();
    if (out.json) out.line(summary);
    if (!flags.quiet) out.note(renderSummary(summary));
    return summary.failed > 0 ? EXIT.someFailed : EXIT.ok;
  } finally {
    view.stop();
    await pool.close();
    cache?.close();
    await client.close();
  }
}
