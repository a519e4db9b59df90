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
import { onInterrupt, onInterruptCleanup } from '../ui/process-exit';
import { REPORT_INTERVAL_MS, RunReporter } from '../core/scan/run-reporter';
import { CLI_VERSION } from '../io/cli-version';
import { renderSummary, ScanProgressView } from '../ui/scan-progress.view';
import { byteSize, collect, positiveInt } from './option-parsers';

interface ScanFlags {
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
  reportInterval: number;
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
    .addOption(new Option('--dry-run', 'hash and check, change nothing').env('HOARD_DRY_RUN'))
    .addOption(new Option('--no-cache', 'ignore the local state cache: read every file').env('HOARD_NO_CACHE'))
    .addOption(new Option('--json', 'NDJSON events on stdout').env('HOARD_JSON'))
    .addOption(
      new Option('--follow-symlinks', 'follow symbolic links and record what they point to (default: record the links)').env(
        'HOARD_FOLLOW_SYMLINKS',
      ),
    )
    .addOption(
      new Option('--report-interval <seconds>', 'how often the scan run on the server is told the progress')
        .env('HOARD_REPORT_INTERVAL')
        .argParser(positiveInt)
        .default(REPORT_INTERVAL_MS / 1000),
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
  let run: RunReporter | null = null;
  const listener = (e: ScanEvent) => {
    if (e.event === 'failed') run?.fail(e.path, e.reason);
    if (out.json) out.line(e);
    else if (e.event === 'failed') view?.note(`failed: ${e.path}: ${e.reason}`);
  };
  const ctx = new ScanContext(client, cache, config.hostname, Boolean(flags.dryRun), listener);
  view = new ScanProgressView(ctx.progress, process.stderr, Boolean(flags.quiet));
  const p = ctx.progress;
  try {
    run = flags.dryRun
      ? RunReporter.none(client, ctx.progress)
      : await RunReporter.open(
          client,
          { hostname: config.hostname, roots: scanRoots(paths), client: { name: 'hoard', version: CLI_VERSION } },
          ctx.progress,
          { intervalMs: flags.reportInterval * 1000, onSkip: (why) => out.note(`Scan run not reported: ${why}.`) },
        );
  } catch (err) {
    await Promise.allSettled([feed.close(), pool.close(), client.close()]);
    cache?.close();
    throw err;
  }
  const reporter = run;
  if (reporter.id !== null) {
    if (out.json) out.line({ event: 'scan_run', id: reporter.id });
    onInterruptCleanup(() => reporter.close('cancelled'));
  }
  onInterrupt(
    () =>
      `Interrupted: ${p.recorded} files recorded, ${p.uploaded.files} uploaded (${formatBytes(p.uploaded.bytes)}); ` +
      'the next scan continues from there: content already sent is not sent again.',
  );
  let ended = false;
  try {
    view.start();
    const summary = await new ScanPipeline(ctx, pool, options).run(paths, feed);
    view.stop();
    ended = true;
    // A scan that went through to its end succeeded, even if some files failed: those are listed in the run.
    await closeRun(reporter, 'succeeded', out.note.bind(out));
    const reported = reporter.id === null ? summary : { ...summary, scan_id: reporter.id };
    if (out.json) out.line(reported);
    if (!flags.quiet) out.note(renderSummary(reported));
    return summary.failed > 0 ? EXIT.someFailed : EXIT.ok;
  } finally {
    if (!ended) await closeRun(reporter, 'failed', out.note.bind(out));
    onInterrupt(null);
    onInterruptCleanup(null);
    view.stop();
    await pool.close();
    cache?.close();
    await client.close();
  }
}

/** Closes the run; a server that cannot be told is noted, not fatal (the run then ends as interrupted there). */
async function closeRun(run: RunReporter, state: 'succeeded' | 'failed', note: (line: string) => void): Promise<void> {
  try {
    await run.close(state);
  } catch (err) {
    note(`Scan run ${run.id} could not be closed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
