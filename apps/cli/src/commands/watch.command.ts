import type { HoardClient } from '@app/client';
import { subscribe } from '@parcel/watcher';
import { Command, InvalidArgumentError, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { HashPool } from '../core/concurrency/hash-pool';
import { ScanContext } from '../core/scan/scan-context';
import { ScanEvent, ScanSummary } from '../core/scan/scan-events';
import { ScanOptions } from '../core/scan/scan-pipeline';
import { BatchScan } from '../core/watch/batch-scan';
import { WatchLoop } from '../core/watch/watch-loop';
import { scanRoots } from '../core/walk/walk-start';
import { commandContext } from '../io/command-context';
import { readExcludeFiles } from '../io/exclude-file';
import { StateCache } from '../io/state-cache/state-cache';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes, formatDuration } from '../ui/format';
import { onStopRequest } from '../ui/process-exit';
import { byteSize, collect, positiveInt } from './option-parsers';

interface WatchFlags {
  exclude?: string[];
  excludeFrom?: string[];
  include?: string[];
  concurrency: number;
  hashWorkers: number;
  limitRate?: number;
  dryRun?: boolean;
  cache: boolean;
  json?: boolean;
  followSymlinks?: boolean;
  trackDeletions: boolean;
  quiet?: boolean;
  settle: number;
  rescan: number;
}

/** Parses a number of seconds (fractions allowed, at least 0.01). */
function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.01) throw new InvalidArgumentError('must be a number of seconds, e.g. 2 or 0.5');
  return n;
}

/** Parses an interval: seconds, or with a unit (`90s`, `30m`, `1h`, `1d`); at least one second. */
export function interval(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/i.exec(value.trim());
  const ms = m ? Number(m[1]) * 1000 * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's'] : NaN;
  if (!(ms >= 1000)) throw new InvalidArgumentError('must be an interval such as 90s, 30m, 1h or 1d');
  return ms;
}

/** `hoard watch <path…>`: a first scan, then every settled change uploaded, each batch a scan of its own. */
export function watchCommand(): Command {
  return new Command('watch')
    .description('scan the paths, then follow changes and upload each file once it has settled')
    .argument('<path...>', 'files or directories to watch')
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
    .addOption(new Option('--dry-run', 'hash and check, change nothing').env('HOARD_DRY_RUN'))
    .addOption(new Option('--no-cache', 'ignore the local state cache: read every file').env('HOARD_NO_CACHE'))
    .addOption(new Option('--json', 'NDJSON events on stdout').env('HOARD_JSON'))
    .addOption(
      new Option('--follow-symlinks', 'follow symbolic links and record what they point to (default: record the links)').env(
        'HOARD_FOLLOW_SYMLINKS',
      ),
    )
    .addOption(new Option('--no-track-deletions', 'do not report paths that are gone').env('HOARD_NO_TRACK_DELETIONS'))
    .addOption(
      new Option('--settle <seconds>', 'upload a changed file once it has not changed for this long')
        .env('HOARD_SETTLE')
        .argParser(seconds)
        .default(2),
    )
    .addOption(
      new Option('--rescan <interval>', 'full rescan this often, catching what events missed (e.g. 30m, 1h)')
        .env('HOARD_RESCAN')
        .argParser(interval)
        .default(3_600_000, '1h'),
    )
    .action((paths: string[], _flags: WatchFlags, cmd: Command) => runAction(() => watch(paths, cmd)));
}

async function watch(paths: string[], cmd: Command): Promise<number> {
  const flags = cmd.optsWithGlobals<WatchFlags>();
  const { config, out, client: makeClient } = commandContext(cmd);
  const options: ScanOptions = {
    excludes: [...(flags.exclude ?? []), ...readExcludeFiles(flags.excludeFrom)],
    includes: flags.include ?? [],
    followSymlinks: Boolean(flags.followSymlinks),
    concurrency: flags.concurrency,
    trackDeletions: flags.trackDeletions,
    native: config.walker === 'native',
  };
  const roots = scanRoots(paths);
  const client: HoardClient = makeClient({ limitRate: flags.limitRate });
  const cache = flags.cache ? new StateCache(config.cacheDir, StateCache.scopeOf(config.url, config.hostname)) : null;
  const pool = new HashPool(flags.hashWorkers);
  const listener = (e: ScanEvent) => {
    if (out.json) out.line(e);
    else if (e.event === 'failed' && !flags.quiet) out.note(`failed: ${e.path}: ${e.reason}`);
  };
  const newContext = () => new ScanContext(client, cache, config.hostname, Boolean(flags.dryRun), listener);
  const batches = new BatchScan(roots, pool, options, newContext);
  const report = (kind: string, summary: ScanSummary) => {
    if (out.json) out.line({ ...summary, batch: kind });
    else if (!flags.quiet) out.note(batchLine(kind, summary));
  };
  let fatal: Error | null = null;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const loop = new WatchLoop(
    {
      scan: async (changes) => {
        if (changes === null) report('full', await batches.full());
        else report('changes', await batches.changes(changes));
      },
      subscribe: async (onChange, onError) => {
        const subscriptions = await Promise.all(
          roots.map((root) =>
            subscribe(root, (err, events) => {
              if (err) return onError(err);
              for (const e of events) if (batches.wanted(e.path)) onChange(e.path, e.type === 'create');
            }),
          ),
        );
        return async () => {
          await Promise.all(subscriptions.map((s) => s.unsubscribe()));
        };
      },
    },
    { settleMs: flags.settle * 1000, rescanMs: flags.rescan },
    (err, delayMs) => {
      if (!flags.quiet) out.note(`${(err as Error).message}; trying again in ${formatDuration(delayMs)}`);
    },
  );
  onStopRequest(stop);
  process.once('SIGTERM', stop);
  try {
    await loop.start((err) => {
      // The watcher itself failed (e.g. the root went away): nothing more will be seen, so the watch ends.
      fatal = err;
      stop();
    });
    if (!flags.quiet) out.note(`Watching ${roots.join(', ')} (settle ${flags.settle}s, rescan every ${formatDuration(flags.rescan)}).`);
    await stopped;
    await loop.stop();
    if (!flags.quiet) out.note('Stopped: the work in flight is done.');
    if (fatal) throw fatal;
    return EXIT.ok;
  } finally {
    onStopRequest(null);
    process.removeListener('SIGTERM', stop);
    await loop.stop();
    await pool.close();
    cache?.close();
    await client.close();
  }
}

function batchLine(kind: string, s: ScanSummary): string {
  const parts = [
    `${s.recorded} recorded`,
    `${s.uploaded.files} uploaded (${formatBytes(s.uploaded.bytes)})`,
    `${s.deleted} deleted`,
    ...(s.skipped ? [`${s.skipped} skipped`] : []),
    ...(s.failed ? [`${s.failed} failed`] : []),
  ];
  return `${kind === 'full' ? 'Full scan' : 'Changes'}: ${s.seen} seen, ${parts.join(', ')} in ${formatDuration(s.elapsed_ms)}`;
}
