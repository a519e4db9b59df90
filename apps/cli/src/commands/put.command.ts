import { Command, Option } from 'commander';
import { stat } from 'node:fs/promises';
import { HoardError, objectMetadataProblem } from '@app/contracts';
import type { ObjectPutOptions } from '@app/client';
import { fileDigest } from '../core/objects/file-digest';
import { ObjectTarget, parseObjectTarget } from '../core/objects/object-target';
import { commandContext, withClient } from '../io/command-context';
import { printError, runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes } from '../ui/format';
import { durationSeconds, keyValue, parseTime } from './option-parsers';

interface PutFlags {
  ttl?: number;
  expires?: Date;
  deleteAfterDownload?: boolean;
  meta?: Record<string, string>;
  contentType?: string;
}

/**
 * `hoard put <bucket>/<key> <file|->`: stores a file (hashed first, so that the server verifies what it receives) or
 * stdin (hashed by the server as it arrives) as the next version of an object.
 */
export function putCommand(): Command {
  return new Command('put')
    .description('store a file or stdin under a name: the next version of <bucket>/<key>')
    .argument('<bucket/key>', 'the object, e.g. backups/user-1/db.sqlite', parseObjectTarget)
    .argument('<file>', 'the file to store, or "-" for stdin')
    .addOption(
      new Option('--ttl <duration>', 'stop serving it after this long (3600, 90s, 15m, 2h, 7d)')
        .argParser(durationSeconds)
        .conflicts('expires'),
    )
    .addOption(new Option('--expires <time>', 'stop serving it at this time (ISO, e.g. 2026-03-01T12:00:00Z)').argParser(parseTime))
    .addOption(new Option('--delete-after-download', 'delete it once it has been downloaded whole'))
    .addOption(new Option('--meta <name=value>', 'user metadata (repeatable; printable ASCII, 2 KiB in all)').argParser(keyValue))
    .addOption(new Option('--content-type <type>', 'the Content-Type it is served with (default application/octet-stream)'))
    .addOption(new Option('--json', 'the stored version as JSON on stdout').env('HOARD_JSON'))
    .action((target: ObjectTarget, file: string, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const flags = cmd.opts<PutFlags>();
        const problem = objectMetadataProblem(flags.meta ?? {});
        if (problem) throw new Error(`--meta ${problem}`);
        const options: ObjectPutOptions = {
          contentType: flags.contentType,
          ttlSeconds: flags.ttl,
          expiresAt: flags.expires,
          deleteAfterDownload: flags.deleteAfterDownload,
          metadata: flags.meta,
        };
        return withClient(ctx, async (api) => {
          let stored;
          if (file === '-') {
            // Stdin can be read once: the server hashes it as it arrives, and a failed attempt is not sent again.
            stored = await api.putObject(target.bucket, target.key, () => process.stdin, options, false);
          } else {
            const info = await stat(file);
            if (!info.isFile()) throw new Error(`${file} is not a regular file`);
            const { sha256, size } = await fileDigest(file);
            try {
              stored = await api.putObjectFile(target.bucket, target.key, file, size, { ...options, sha256 });
            } catch (err) {
              // The server verified the bytes against the digest hashed here: they differ when the file changed.
              if (!(err instanceof HoardError) || err.code !== 'digest_mismatch') throw err;
              printError(new HoardError('digest_mismatch', `${file} changed while it was sent; nothing was stored`));
              return EXIT.someFailed;
            }
          }
          if (ctx.out.json) ctx.out.line(stored);
          const lifetime = stored.expires_at ? `, until ${stored.expires_at}` : '';
          const once = stored.delete_after_download ? ', deleted after its first download' : '';
          ctx.out.note(
            `${stored.bucket}/${stored.key}: version ${stored.version}, ${formatBytes(stored.size)}, sha256 ${stored.sha256}${lifetime}${once}`,
          );
          return EXIT.ok;
        });
      }),
    );
}
