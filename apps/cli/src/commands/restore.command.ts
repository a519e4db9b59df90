import { Command, Option } from 'commander';
import { PathFilter } from '../core/walk/path-filter';
import { OVERWRITE_POLICIES, OverwritePolicy, RestoreEvent, RestoreRunner } from '../core/restore/restore-runner';
import { commandContext, withClient } from '../io/command-context';
import { absolutePath } from '../io/local-path';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes, formatDuration } from '../ui/format';
import { onInterrupt } from '../ui/process-exit';
import { TransferProgress, TransferProgressView } from '../ui/transfer-progress.view';
import { collect, oneOf, parseTime, positiveInt } from './option-parsers';

interface RestoreFlags {
  prefix?: string;
  to: string;
  concurrency: number;
  at?: Date;
  dryRun?: boolean;
  overwrite: OverwritePolicy;
  include?: string[];
  exclude?: string[];
}

/** `hoard restore --hostname h [--prefix p] [--at t] --to dir`: the recorded files, verified, with mode and mtime. */
export function restoreCommand(): Command {
  return new Command('restore')
    .description('write the recorded files under a prefix into a directory (their current versions, or those of a time)')
    .addOption(
      new Option(
        '--prefix <path>',
        'only this file or directory; files land relative to it (relative paths start at the working directory)',
      ).env('HOARD_PREFIX'),
    )
    .addOption(new Option('--to <dir>', 'directory to restore into').env('HOARD_RESTORE_TO').makeOptionMandatory())
    .addOption(
      new Option('--at <time>', 'restore each path as it was at this time (ISO, e.g. 2026-03-01T12:00:00Z)')
        .env('HOARD_AT')
        .argParser(parseTime),
    )
    .addOption(
      new Option('--overwrite <when>', 'replace existing files: never, if-changed or always')
        .env('HOARD_OVERWRITE')
        .argParser(oneOf(OVERWRITE_POLICIES))
        .default('if-changed'),
    )
    .addOption(
      new Option('--include <glob>', 'only paths matching this glob, relative to the prefix (repeatable)')
        .env('HOARD_INCLUDE')
        .argParser(collect),
    )
    .addOption(
      new Option('--exclude <glob>', 'leave out paths matching this gitignore-style pattern (repeatable)')
        .env('HOARD_EXCLUDE')
        .argParser(collect),
    )
    .addOption(new Option('--dry-run', 'say what would be restored, write nothing').env('HOARD_DRY_RUN'))
    .addOption(new Option('--concurrency <n>', 'parallel downloads').env('HOARD_CONCURRENCY').argParser(positiveInt).default(4))
    .addOption(new Option('--json', 'NDJSON events on stdout').env('HOARD_JSON'))
    .action((_opts: unknown, cmd: Command) => runAction(() => restore(cmd)));
}

async function restore(cmd: Command): Promise<number> {
  const ctx = commandContext(cmd);
  const { config, out } = ctx;
  const flags = cmd.opts<RestoreFlags>();
  const progress = new TransferProgress();
  const view = new TransferProgressView(progress, flags.dryRun ? 'checked' : 'restored', process.stderr, ctx.quiet || out.json);
  const listener = (e: RestoreEvent) => {
    if (out.json) out.line(e);
    else if (e.event === 'failed') view.note(`failed: ${e.path}: ${e.reason}`);
  };
  const options = {
    hostname: config.hostname,
    prefix: flags.prefix === undefined ? undefined : absolutePath(flags.prefix),
    to: flags.to,
    concurrency: flags.concurrency,
    at: flags.at,
    dryRun: flags.dryRun,
    overwrite: flags.overwrite,
    filter: new PathFilter(flags.include, flags.exclude),
  };
  return withClient(ctx, async (api) => {
    onInterrupt(
      () =>
        `Interrupted: ${progress.files} of ${progress.totalFiles ?? '?'} files restored (${formatBytes(progress.bytes)}); run the same command again to continue: files already restored are skipped.`,
    );
    view.start();
    try {
      const summary = await new RestoreRunner(api, options, listener, progress).run();
      view.stop();
      if (out.json) out.line(summary);
      if (summary.matched === 0) {
        out.note(
          `Nothing matched: no record of ${config.hostname}${options.prefix ? ` under ${options.prefix}` : ''}${flags.at ? ` at ${flags.at.toISOString()}` : ''}${options.filter.empty ? '' : ' that the filters take'}.`,
        );
        return EXIT.someFailed;
      }
      const verb = summary.dry_run ? 'Would restore' : 'Restored';
      out.note(
        `${verb} ${summary.restored} files (${formatBytes(summary.bytes)}), ${summary.skipped} skipped, ${summary.failed} failed, in ${formatDuration(summary.elapsed_ms)}`,
      );
      return summary.failed > 0 ? EXIT.someFailed : EXIT.ok;
    } finally {
      view.stop();
      onInterrupt(null);
    }
  });
}
