import { Command, Option } from 'commander';
import { RestoreEvent, RestoreRunner } from '../core/restore-runner';
import { commandContext } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes, formatDuration } from '../ui/format';
import { positiveInt } from './option-parsers';

/** `hoard restore --hostname h [--prefix p] --to dir`: the current versions, verified, with mode and mtime. */
export function restoreCommand(): Command {
  return new Command('restore')
    .description('write the current version of each recorded file under a prefix into a directory')
    .addOption(new Option('--prefix <path>', 'only files at or under this path (they land relative to it)').env('HOARD_PREFIX'))
    .addOption(new Option('--to <dir>', 'directory to restore into').env('HOARD_RESTORE_TO').makeOptionMandatory())
    .addOption(new Option('--concurrency <n>', 'parallel downloads').env('HOARD_CONCURRENCY').argParser(positiveInt).default(4))
    .addOption(new Option('--json', 'NDJSON events on stdout').env('HOARD_JSON'))
    .action((_opts: unknown, cmd: Command) =>
      runAction(async () => {
        const { config, client, out } = commandContext(cmd);
        const flags = cmd.opts<{ prefix?: string; to: string; concurrency: number }>();
        const api = client();
        const listener = (e: RestoreEvent) => {
          if (out.json) out.line(e);
          else if (e.event === 'failed') out.note(`failed: ${e.path}: ${e.reason}`);
        };
        try {
          const summary = await new RestoreRunner(api, { hostname: config.hostname, prefix: flags.prefix, to: flags.to, concurrency: flags.concurrency }, listener).run();
          if (out.json) out.line(summary);
          out.note(`Restored ${summary.restored} files (${formatBytes(summary.bytes)}), ${summary.failed} failed, in ${formatDuration(summary.elapsed_ms)}`);
          return summary.failed > 0 ? EXIT.someFailed : EXIT.ok;
        } finally {
          await api.close();
        }
      }),
    );
}
