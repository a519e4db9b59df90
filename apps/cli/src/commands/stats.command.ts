import { Command, Option } from 'commander';
import { commandContext, withClient } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { formatBytes } from '../ui/format';

/** `hoard stats`: what the server holds. */
export function statsCommand(): Command {
  return new Command('stats')
    .description('files, hosts, objects, blobs, stored and logical bytes, dedup ratio, unreferenced and quarantined content')
    .addOption(new Option('--json', 'one JSON object on stdout').env('HOARD_JSON'))
    .action((_opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        await withClient(ctx, async (api) => {
          const s = await api.stats();
          ctx.out.result(s, () =>
            [
              `Files:          ${s.files}`,
              `Hosts:          ${s.hosts}`,
              `Objects:        ${s.objects ?? 0}`,
              `Blobs:          ${s.blobs}`,
              `Stored bytes:   ${formatBytes(s.stored_bytes)}`,
              `Logical bytes:  ${formatBytes(s.logical_bytes)}`,
              `Dedup ratio:    ${Number(s.dedup_ratio).toFixed(2)}`,
              `Unreferenced:   ${s.unreferenced_blobs} blobs, ${formatBytes(s.unreferenced_bytes)}`,
              `Quarantined:    ${s.quarantined_blobs} blobs`,
            ].join('\n'),
          );
        });
      }),
    );
}
