import { Command, Option } from 'commander';
import { resolveDigest } from '../core/download/digest-prefix';
import { commandContext, withClient } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { renderTable } from '../ui/table';
import { OBJECT_COLUMNS } from './objects.command';
import { RECORD_COLUMNS } from './record-columns';

/** `hoard clones <sha256>`: every current file with this content (the first is the epoch), then every object. */
export function clonesCommand(): Command {
  return new Command('clones')
    .description('every current file with this content (the first brought it), and every object')
    .argument('<sha256>', 'the content digest, or a unique prefix of 8+ characters')
    .addOption(new Option('--json', 'one JSON record per line on stdout').env('HOARD_JSON'))
    .action((sha: string, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        await withClient(ctx, async (api) => {
          const { items, objects } = await api.blobClones(await resolveDigest(api, sha, ctx.config.hostname));
          if (ctx.out.json) [...items, ...objects].forEach((r) => ctx.out.line(r));
          else {
            ctx.out.print(renderTable(items, RECORD_COLUMNS));
            // Objects that name the content too, each as <bucket>/<key>.
            if (objects.length > 0)
              ctx.out.print(
                `\n${renderTable(objects, [{ title: 'OBJECT', value: (o) => `${o.bucket}/${o.key}` }, ...OBJECT_COLUMNS.slice(0, -1)])}`,
              );
          }
        });
      }),
    );
}
