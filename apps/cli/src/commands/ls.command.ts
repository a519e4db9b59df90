import { Command, Option } from 'commander';
import { FileRecord } from '@app/contracts';
import { resolveDigest } from '../core/download/digest-prefix';
import { commandContext, withClient } from '../io/command-context';
import { absolutePath } from '../io/local-path';
import { runAction } from '../ui/error-printer';
import { renderTable } from '../ui/table';
import { parseTime } from './option-parsers';
import { RECORD_COLUMNS } from './record-columns';

/** `hoard ls [--hostname h] [--prefix p] [--sha256 d] [--at t]`: current records (all hosts unless one is named). */
export function lsCommand(): Command {
  return new Command('ls')
    .description('list current file records (or those current at a time)')
    .addOption(
      new Option('--prefix <path>', 'only this file or directory (relative paths start at the working directory)').env('HOARD_PREFIX'),
    )
    .addOption(
      new Option('--sha256 <digest>', 'only records of this content (a unique prefix of 8+ characters will do)').env('HOARD_SHA256'),
    )
    .addOption(
      new Option('--at <time>', 'the records as they were at this time (ISO, e.g. 2026-03-01T12:00:00Z)')
        .env('HOARD_AT')
        .argParser(parseTime),
    )
    .addOption(new Option('--include-deleted', 'also records marked deleted').env('HOARD_INCLUDE_DELETED'))
    .addOption(new Option('--json', 'one JSON record per line on stdout').env('HOARD_JSON'))
    .action((_opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const { out } = ctx;
        const flags = cmd.opts<{ prefix?: string; sha256?: string; includeDeleted?: boolean; at?: Date }>();
        // Every host unless one is named (by flag or HOARD_HOSTNAME): the machine's own name is no filter here.
        const hostname = ctx.config.namedHostname;
        await withClient(ctx, async (api) => {
          const query = {
            hostname,
            path_prefix: flags.prefix === undefined ? undefined : absolutePath(flags.prefix),
            sha256: flags.sha256 === undefined ? undefined : await resolveDigest(api, flags.sha256, ctx.config.hostname),
            include_deleted: flags.includeDeleted ? true : undefined,
            at: flags.at?.toISOString(),
          };
          const rows: FileRecord[] = [];
          for await (const record of api.iterateFiles(query)) {
            if (out.json) {
              out.line(record);
              await out.drain();
            } else rows.push(record);
          }
          if (!out.json) out.print(renderTable(rows, RECORD_COLUMNS));
        });
      }),
    );
}
