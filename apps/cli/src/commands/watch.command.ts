import type { HoardClient } from '@app/client';
import { subscribe } from '@parcel/watcher';
import { Command, InvalidArgumentError, Option } from 'commander';
import { HashPool } from '../core/concurrency/hash-pool';
import { ScanContext } from '../core/scan/scan-context';
import { RunEnd, RunReporter } from '../core/scan/run-reporter';
import { ScanEvent, ScanSummary } from '../core/scan/scan-events';
import { BatchScan } from '../core/watch/batch-scan';
import { Change, DeferredChange } from '../core/watch/settle-queue';
import { WatchLoop } from '../core/watch/watch-loop';
import { releaseMemory } from '../core/watch/release-memory';
import { scanRoots } from '../core/walk/walk-start';
import { commandContext } from '../io/command-context';
import { StateCache } from '../io/state-cache/state-cache';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes, formatDuration } from '../ui/format';
import { onInterruptCleanup, onStopRequest } from '../ui/process-exit';
import { addScanFlags, ScanFlags, scanOptionsOf } from './scan-flags';
import { closeRun, openRun } from './scan-run';

interface WatchFlags extends ScanFlags {
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
  return addScanFlags(
    new Command('watch')
      .description('scan the paths, then follow changes and upload each file once it has settled')
      .argument('<path...>', 'files or directories to watch'),
  )
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
  const options = scanOptionsOf(flags, config.walker);
  const roots = scanRoots(paths);
  const client: HoardClient = makeClient({ limitRate: flags.limitRate });
  const cache = flags.cache ? new StateCache(config.cacheDir, StateCache.scopeOf(config.url, config.hostname)) : null;
  const pool = new HashPool(flags.hashWorkers);
  const note = out.note.bind(out);
  const batches = new BatchScan(roots, pool, options, { settleMs: flags.settle * 1000 });
  /** Gives back what a batch left resident: the idle hash threads stop (the next hash starts them), then memory. */
  const rest = () => pool.release().then(releaseMemory, releaseMemory);
  /** The run of the batch in flight: a second Ctrl-C, which cuts the batch, closes it as cancelled. */
  let inFlight: RunReporter | null = null;
  // Each batch (the first scan, a batch of changes, a rescan) is a scan of its own, with its own run on the server.
  const scanBatch = async (changes: Change[] | null): Promise<DeferredChange[]> => {
    const deferred: DeferredChange[] = [];
    const plan = changes === null ? null : await batches.plan(changes, deferred);
    if (changes !== null && plan === null) return deferred;
    const kind = plan === null ? 'full' : 'changes';
    let run: RunReporter | null = null;
    const ctx = new ScanContext(client, cache, config.hostname, Boolean(flags.dryRun), (e: ScanEvent) => {
      if (e.event === 'failed') run?.fail(e.path, e.reason);
      if (out.json) out.line(e);
      else if (e.event === 'failed' && !flags.quiet) note(`failed: ${e.path}: ${e.reason}`);
    });
    // A server that cannot be reached fails the open: the batch is then tried again, whole, by the loop.
    run = await openRun(client, flags, roots, config.hostname, ctx.progress, note);
    if (run.id !== null && out.json) out.line({ event: 'scan_run', id: run.id, batch: kind });
    inFlight = run;
    let state: RunEnd = 'failed';
    try {
      const summary = plan === null ? await batches.full(ctx) : await batches.apply(plan, ctx);
      // A batch that went through to its end succeeded, even if some files failed: those are listed in its run.
      state = 'succeeded';
      // A full scan (the first, each rescan) holds the most memory: what it left goes back before it says it is done.
      if (plan === null) await rest();
      const reported = run.id === null ? summary : { ...summary, scan_id: run.id };
      if (out.json) out.line({ ...reported, batch: kind });
      else if (!flags.quiet) note(batchLine(kind, summary));
    } finally {
      inFlight = null;
      await closeRun(run, state, note);
    }
    return deferred;
  };
  let fatal: Error | null = null;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const loop = new WatchLoop(
    {
      scan: scanBatch,
      rest: () => void rest(),
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
  onInterruptCleanup(async () => inFlight?.close('cancelled'));
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
    onInterruptCleanup(null);
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
