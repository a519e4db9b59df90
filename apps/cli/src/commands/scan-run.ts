import type { HoardClient } from '@app/client';
import { LIMITS } from '@app/contracts';
import { dirname } from 'node:path';
import { RunEnd, RunReporter } from '../core/scan/run-reporter';
import { ProgressView } from '../core/scan/scan-events';
import { scanRoots } from '../core/walk/walk-start';
import { CLI_VERSION } from '../io/cli-version';
import { ScanFlags } from './scan-flags';

/**
 * Opens the scan run of one scan (or one batch of a watch). A dry run changes nothing on the server, not even its
 * runs, and `--no-report-run` asks for none: both give a reporter of no run.
 */
export async function openRun(
  client: HoardClient,
  flags: Pick<ScanFlags, 'dryRun' | 'reportRun' | 'reportInterval'>,
  roots: string[],
  hostname: string,
  progress: ProgressView,
  note: (line: string) => void,
): Promise<RunReporter> {
  if (flags.dryRun || !flags.reportRun) return RunReporter.none(client, progress);
  return RunReporter.open(client, { hostname, roots: runRoots(roots), client: { name: 'hoard', version: CLI_VERSION } }, progress, {
    intervalMs: flags.reportInterval * 1000,
    onSkip: (why) => note(`Scan run not reported: ${why}.`),
  });
}

/** Closes the run; a server that cannot be told is noted, not fatal (the run then ends as interrupted there). */
export async function closeRun(run: RunReporter, state: RunEnd, note: (line: string) => void): Promise<void> {
  try {
    await run.close(state);
  } catch (err) {
    note(`Scan run ${run.id} could not be closed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The roots a run names: the scan's own, or, when there are more than a run may name (`hoard scan dir/*` of a large
 * directory), the directories holding them, a level up at a time until few enough: still where the scan looked.
 */
export function runRoots(roots: string[], max: number = LIMITS.scanRootsMax): string[] {
  let named = roots;
  while (named.length > max) named = scanRoots(named.map((root) => dirname(root)));
  return named;
}
