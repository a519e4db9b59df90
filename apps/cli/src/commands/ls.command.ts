import { Command, Option } from 'commander';
import { FileRecord, normalizeSha256 } from '@app/contracts';
import { commandContext } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { renderTable } from '../ui/table';
import { RECORD_COLUMNS } from './record-columns';

/** `hoard ls [--hostname h] [--prefix p] [--sha256 d]`: current records (all hosts unless one is named). */
export function lsCommand(): Command {
  return new Command('ls')
    .description('list current file records')
    .addOption(new Option('--prefix <path>', 'only paths starting with this').env('HOARD_PREFIX'))
    .addOption(new Option('--sha256 <digest>', 'only records of this content').env('HOARD_SHA256'))
    .addOption(new Option('--include-deleted', 'also records marked deleted').env('HOARD_INCLUDE_DELETED'))
    .addOption(new Option('--json', 'one JSON record per line on stdout').env('HOARD_JSON'))
    .action((_opts: unknown, cmd: Command) =>
      runAction(async () => {
        const { client, out } = commandContext(cmd);
        const flags = cmd.opts<{ prefix?: string; sha256?: string; includeDeleted?: boolean }>();
        // Every host unless one is named (by flag or HOARD_HOSTNAME): the machine's own name is no filter here.
        const hostname = cmd.optsWithGlobals<{ hostname?: string }>().hostname || process.env.HOARD_HOSTNAME || undefined;
        const api = client();
        try {
          const rows: FileRecord[] = [];
          const query = {
            hostname,
            path_prefix: flags.prefix,
            sha256: flags.sha256 ? normalizeSha256(flags.sha256) : undefined,
            include_deleted: flags.includeDeleted ? true : undefined,
          };
          for await (const record of api.iterateFiles(query)) {
            if (out.json) out.line(record);
            else rows.push(record);
          }
          if (!out.json) out.print(renderTable(rows, RECORD_COLUMNS));
        } finally {
          await api.close();
        }
      }),
    );
}
