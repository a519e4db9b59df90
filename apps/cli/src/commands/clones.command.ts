import { Command, Option } from 'commander';
import { normalizeSha256 } from '@app/contracts';
import { commandContext } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { renderTable } from '../ui/table';
import { RECORD_COLUMNS } from './record-columns';

/** `hoard clones <sha256>`: every current file with this content; the first is the epoch. */
export function clonesCommand(): Command {
  return new Command('clones')
    .description('every current file with this content (the first brought it)')
    .argument('<sha256>', 'the content digest')
    .addOption(new Option('--json', 'one JSON record per line on stdout').env('HOARD_JSON'))
    .action((sha: string, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const digest = normalizeSha256(sha);
        const { client, out } = commandContext(cmd);
        const api = client();
        try {
          const items = await api.blobFiles(digest);
          if (out.json) items.forEach((r) => out.line(r));
          else out.print(renderTable(items, RECORD_COLUMNS));
        } finally {
          await api.close();
        }
      }),
    );
}
