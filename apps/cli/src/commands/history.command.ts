import { Command, Option } from 'commander';
import { commandContext } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { renderTable } from '../ui/table';
import { RECORD_COLUMNS } from './record-columns';

/** `hoard history <hostname> <filepath>`: every version of a file, newest first. */
export function historyCommand(): Command {
  return new Command('history')
    .description('every version of a file, newest first')
    .argument('<hostname>', 'host the file lives on')
    .argument('<filepath>', 'absolute path of the file on that host')
    .addOption(new Option('--json', 'one JSON record per line on stdout').env('HOARD_JSON'))
    .action((hostname: string, filepath: string, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const { client, out } = commandContext(cmd);
        const api = client();
        try {
          const items = await api.fileHistory(hostname, filepath);
          if (out.json) items.forEach((r) => out.line(r));
          else out.print(renderTable(items, RECORD_COLUMNS));
        } finally {
          await api.close();
        }
      }),
    );
}
