import type { HoardClient } from '@app/client';
import { Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { HashPool } from '../core/concurrency/hash-pool';
import { ScanContext } from '../core/scan/scan-context';
import { ScanEvent } from '../core/scan/scan-events';
import { ScanPipeline } from '../core/scan/scan-pipeline';
import { scanRoots, startWalk } from '../core/walk/walk-start';
import { commandContext } from '../io/command-context';
import { readExcludeFiles } from '../io/exclude-file';
import { StateCache } from '../io/state-cache/state-cache';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes } from '../ui/format';
import { onInterrupt } from '../ui/process-exit';
import { renderSummary, ScanProgressView } from '../ui/scan-progress.view';
import { byteSize, collect, positiveInt } from './option-parsers';

interface ScanFlags {
  exclude?: string[];
  excludeFrom?: string[];
  include?: string[];
  concurrency: number;
  hashWorkers: number;
  limitRate?: number;
  resumableThreshold: number;
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
    .addOption(
      new Option('--exclude-from <file>', 'read exclude patterns from a file, one per line, # for comments (repeatable)')
        .env('HOARD_EXCLUDE_FROM')
        .argParser(collect),
    )
    .addOption(
      new Option('--include <glob>', 'record only files matching this glob, e.g. "*.jpg" (repeatable; directories are still walked)')
        .env('HOARD_INCLUDE')
        .argParser(collect),
    )
    .addOption(new Option('--concurrency <n>', 'parallel uploads').env('HOARD_CONCURRENCY').argParser(positiveInt).default(16))
    .addOption(
      new Option('--hash-workers <n>', 'hashing threads').env('HOARD_HASH_WORKERS').argParser(positiveInt).default(availableParallelism()),
    )
    .addOption(
      new Option('--limit-rate <bytes/s>', 'upload no faster than this, in all (e.g. 512k, 10M)')
        .env('HOARD_LIMIT_RATE')
        .argParser(byteSize),
    )
    .addOption(
      new Option(
        '--resumable-threshold <bytes>',
        'files of this size and more go up resumably (tus): a cut upload continues where it stopped',
      )
        .env('HOARD_RESUMABLE_THRESHOLD')
        .argParser(byteSize)
        .default(64 * 1024 * 1024, '64M'),
    )
    .addOption(new Option('--dry-run', 'hash and check, change nothing').env('HOARD_DRY_RUN'))
    .addOption(new Option('--no-cache', 'ignore the local state cache: read every file').env('HOARD_NO_CACHE'))
    .addOption(new Option('--json', 'NDJSON events on stdout').env('HOARD_JSON'))
    .addOption(
      new Option('--follow-symlinks', 'follow symbolic links and record what they point to (default: record the links)').env(
        'HOARD_FOLLOW_SYMLINKS',
      ),
    )
    .addOption(new Option('--no-track-deletions', 'do not report paths gone since the last scan').env('HOARD_NO_TRACK_DELETIONS'))
    .action((paths: string[], _flags: ScanFlags, cmd: Command) => runAction(() => scan(paths, cmd)));
}

async function scan(paths: string[], cmd: Command): Promise<number> {
  const flags = cmd.optsWithGlobals<ScanFlags>();
  const { config, out, client: makeClient } = commandContext(cmd);
  const options = {
    excludes: [...(flags.exclude ?? []), ...readExcludeFiles(flags.excludeFrom)],
    includes: flags.include ?? [],
    followSymlinks: Boolean(flags.followSymlinks),
    concurrency: flags.concurrency,
    resumableThreshold: flags.resumableThreshold,
    trackDeletions: flags.trackDeletions,
    native: config.walker === 'native',
  };
  const cache = flags.cache ? new StateCache(config.cacheDir, StateCache.scopeOf(config.url, config.hostname)) : null;
  // The walk starts before the client is made and the server checked, so they overlap.
  const feed = startWalk(scanRoots(paths), options, cache);
  let client: HoardClient;
  try {
    client = makeClient({ limitRate: flags.limitRate });
    await client.probe();
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
  const p = ctx.progress;
  onInterrupt(
    () =>
      `Interrupted: ${p.recorded} files recorded, ${p.uploaded.files} uploaded (${formatBytes(p.uploaded.bytes)}); ` +
      'the next scan continues from there: content already sent is not sent again.',
  );
  try {
    view.start();
    const summary = await new ScanPipeline(ctx, pool, options).run(paths, feed);
    view.stop();
    if (out.json) out.line(summary);
    if (!flags.quiet) out.note(renderSummary(summary));
    return summary.failed > 0 ? EXIT.someFailed : EXIT.ok;
  } finally {
    onInterrupt(null);
    view.stop();
    await pool.close();
    cache?.close();
    await client.close();
  }
}
