import { Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { HashPool } from '../core/concurrency/hash-pool';
import { scanRoots } from '../core/walk/walk-start';
import { VerifyEvent, VerifyRunner } from '../core/verify/verify-runner';
import { commandContext, withClient } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatDuration } from '../ui/format';
import { onInterrupt } from '../ui/process-exit';
import { collect } from './option-parsers';
import { readExcludeFiles } from '../io/exclude-file';

/** `hoard verify <path…>`: what differs between local files and what the server holds for this host. */
export function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'compare local files with what the server holds for this host (changed, missing, unrecorded, content unavailable); uploads nothing',
    )
    .argument('<path...>', 'files or directories to check')
    .addOption(new Option('--exclude <glob>', 'gitignore-style pattern to leave out (repeatable)').env('HOARD_EXCLUDE').argParser(collect))
    .addOption(
      new Option('--exclude-from <file>', 'read exclude patterns from a file, one per line (repeatable)')
        .env('HOARD_EXCLUDE_FROM')
        .argParser(collect),
    )
    .addOption(new Option('--include <glob>', 'only files matching this glob (repeatable)').env('HOARD_INCLUDE').argParser(collect))
    .addOption(new Option('--json', 'NDJSON events on stdout').env('HOARD_JSON'))
    .action((paths: string[], _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const { out, config } = ctx;
        const flags = cmd.opts<{ exclude?: string[]; excludeFrom?: string[]; include?: string[] }>();
        const options = {
          hostname: config.hostname,
          excludes: [...(flags.exclude ?? []), ...readExcludeFiles(flags.excludeFrom)],
          includes: flags.include ?? [],
          native: config.walker === 'native',
        };
        const listener = (e: VerifyEvent) => (out.json ? out.line(e) : out.note(`${e.event}: ${e.path}: ${e.reason}`));
        const pool = new HashPool(availableParallelism());
        try {
          return await withClient(ctx, async (api) => {
            const runner = new VerifyRunner(api, pool, options, listener);
            onInterrupt(() => 'Interrupted: nothing was changed, here or on the server.');
            const s = await runner.run(scanRoots(paths));
            if (out.json) out.line(s);
            const differences = s.changed + s.missing + s.unrecorded + s.unavailable;
            out.note(
              `${differences === 0 ? 'No differences' : `${differences} differences`}: ${s.checked} files checked, ${s.matching} match, ${s.changed} changed, ` +
                `${s.missing} missing, ${s.unrecorded} not recorded, ${s.unavailable} content unavailable, in ${formatDuration(s.elapsed_ms)}`,
            );
            return differences > 0 ? EXIT.someFailed : EXIT.ok;
          });
        } finally {
          onInterrupt(null);
          await pool.close();
        }
      }),
    );
}
