import type { HoardClient } from '@app/client';
import { Command } from 'commander';
import { HashPool } from '../core/concurrency/hash-pool';
import { ScanContext } from '../core/scan/scan-context';
import { ScanEvent } from '../core/scan/scan-events';
import { ScanPipeline } from '../core/scan/scan-pipeline';
import { scanRoots, startWalk } from '../core/walk/walk-start';
import { commandContext } from '../io/command-context';
import { StateCache } from '../io/state-cache/state-cache';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes } from '../ui/format';
import { onInterrupt, onInterruptCleanup } from '../ui/process-exit';
import { RunReporter } from '../core/scan/run-reporter';
import { renderSummary, ScanProgressView } from '../ui/scan-progress.view';
import { addScanFlags, ScanFlags, scanOptionsOf } from './scan-flags';
import { closeRun, openRun } from './scan-run';

/** `hoard scan <path…>`: walk, hash, record, upload only what the server lacks, report deletions. */
export function scanCommand(): Command {
  return addScanFlags(
    new Command('scan')
      .description('walk the paths, hash, record, and upload only what the server lacks')
      .argument('<path...>', 'files or directories to scan'),
  ).action((paths: string[], _flags: ScanFlags, cmd: Command) => runAction(() => scan(paths, cmd)));
}

async function scan(paths: string[], cmd: Command): Promise<number> {
  const flags = cmd.optsWithGlobals<ScanFlags>();
  const { config, out, client: makeClient } = commandContext(cmd);
  const options = scanOptionsOf(flags, config.walker);
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
    run = await openRun(client, flags, scanRoots(paths), config.hostname, ctx.progress, out.note.bind(out));
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
