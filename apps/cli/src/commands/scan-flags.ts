import { Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { REPORT_INTERVAL_MS } from '../core/scan/run-reporter';
import { ScanOptions } from '../core/scan/scan-pipeline';
import { readExcludeFiles } from '../io/exclude-file';
import { byteSize, collect, positiveInt } from './option-parsers';

/** The flags `hoard scan` and `hoard watch` share (watch scans the same way, batch by batch). */
export interface ScanFlags {
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
  reportRun: boolean;
}

/** Adds the scan's flags to `cmd`; one definition, so scan and watch cannot drift apart. */
export function addScanFlags(cmd: Command): Command {
  return cmd
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
    .addOption(
      new Option('--no-report-run', 'do not report scan runs to the server (for servers where run reporting is unwanted)').env(
        'HOARD_NO_REPORT_RUN',
      ),
    )
    .addOption(new Option('--no-track-deletions', 'do not report paths gone since the last scan').env('HOARD_NO_TRACK_DELETIONS'));
}

/** The scan options the flags ask for; `native` from the configured walker. */
export function scanOptionsOf(flags: ScanFlags, walker: string): ScanOptions {
  return {
    excludes: [...(flags.exclude ?? []), ...readExcludeFiles(flags.excludeFrom)],
    includes: flags.include ?? [],
    followSymlinks: Boolean(flags.followSymlinks),
    concurrency: flags.concurrency,
    trackDeletions: flags.trackDeletions,
    native: walker === 'native',
  };
}
