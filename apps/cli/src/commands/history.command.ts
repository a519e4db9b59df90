import { Command, Option } from 'commander';
import { commandContext, withClient } from '../io/command-context';
import { absolutePath } from '../io/local-path';
import { runAction } from '../ui/error-printer';
import { renderTable } from '../ui/table';
import { RECORD_COLUMNS } from './record-columns';

/** `hoard history <hostname> <filepath>`: every version of a file, newest first. */
export function historyCommand(): Command {
  return new Command('history')
    .description('every version of a file, newest first')
    .argument('<hostname>', 'host the file lives on')
    .argument('<filepath>', 'path of the file on that host (a relative path starts at the working directory)')
    .addOption(new Option('--json', 'one JSON record per line on stdout').env('HOARD_JSON'))
    .action((hostname: string, filepath: string, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        await withClient(ctx, async (api) => {
          const items = await api.fileHistory(hostname, absolutePath(filepath).replace(/(.)\/$/, '$1'));
          if (ctx.out.json) items.forEach((r) => ctx.out.line(r));
          else ctx.out.print(renderTable(items, RECORD_COLUMNS));
        });
      }),
    );
}
