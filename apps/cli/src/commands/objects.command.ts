import { Command, Option } from 'commander';
import { ObjectInfo } from '@app/contracts';
import { ObjectTarget, parseBucket, parseObjectTarget } from '../core/objects/object-target';
import { commandContext, withClient } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { formatBytes } from '../ui/format';
import { Column, renderTable } from '../ui/table';

/** `hoard objects ls|rm`: a bucket's objects, and deleting one. */
export function objectsCommand(): Command {
  const objects = new Command('objects').description("list a bucket's objects, delete one");
  objects
    .command('ls')
    .description("a bucket's current objects (by key prefix)")
    .argument('<bucket>', 'the bucket', parseBucket)
    .addOption(new Option('--prefix <prefix>', 'only keys that start with this string (a/b matches a/b/c and a/bc)'))
    .addOption(new Option('--json', 'one JSON object per line on stdout').env('HOARD_JSON'))
    .action((bucket: string, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const { prefix } = cmd.opts<{ prefix?: string }>();
        await withClient(ctx, async (api) => {
          const rows: ObjectInfo[] = [];
          for await (const object of api.iterateObjects(bucket, { prefix })) {
            if (ctx.out.json) {
              ctx.out.line(object);
              await ctx.out.drain();
            } else rows.push(object);
          }
          if (!ctx.out.json) ctx.out.print(renderTable(rows, OBJECT_COLUMNS));
        });
      }),
    );
  objects
    .command('rm')
    .description('delete an object (its later downloads answer 410 Gone)')
    .argument('<bucket/key>', 'the object', parseObjectTarget)
    .action((target: ObjectTarget, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        await withClient(ctx, async (api) => {
          await api.deleteObject(target.bucket, target.key);
          ctx.out.note(`${target.bucket}/${target.key} deleted.`);
        });
      }),
    );
  return objects;
}

/** Columns for tables of objects. */
export const OBJECT_COLUMNS: Column<ObjectInfo>[] = [
  { title: 'VER', value: (o) => String(o.version), align: 'right' },
  { title: 'SIZE', value: (o) => formatBytes(o.size), align: 'right' },
  { title: 'SHA256', value: (o) => o.sha256.slice(0, 16) },
  { title: 'CREATED', value: (o) => o.created_at.slice(0, 19) },
  { title: 'EXPIRES', value: (o) => (o.delete_after_download ? 'after download' : (o.expires_at?.slice(0, 19) ?? '')) },
  { title: 'KEY', value: (o) => o.key },
];
