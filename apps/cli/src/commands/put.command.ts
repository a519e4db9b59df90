import { Command, Option } from 'commander';
import { stat } from 'node:fs/promises';
import { HoardError, objectMetadataProblem } from '@app/contracts';
import type { HoardClient, ObjectPutOptions } from '@app/client';
import { fileDigest } from '../core/objects/file-digest';
import { ObjectTarget, parseObjectTarget } from '../core/objects/object-target';
import { HashedFile, putResumable } from '../core/objects/resumable-put';
import { CommandContext, commandContext, withClient } from '../io/command-context';
import { StateCache } from '../io/state-cache/state-cache';
import { printError, runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes } from '../ui/format';
import { TransferProgress, TransferProgressView } from '../ui/transfer-progress.view';
import { byteSize, durationSeconds, keyValue, parseTime } from './option-parsers';

interface PutFlags {
  resumableThreshold: number;
  ttl?: number;
  expires?: Date;
  deleteAfterDownload?: boolean;
  meta?: Record<string, string>;
  contentType?: string;
}

/**
 * `hoard put <bucket>/<key> <file|->`: stores a file (hashed first, so that the server verifies what it receives) or
 * stdin (hashed by the server as it arrives) as the next version of an object. A file of `--resumable-threshold` and
 * more goes through the resumable (tus) uploads, and a `put` cut short continues where it stopped at the next run.
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
    .addOption(
      new Option(
        '--resumable-threshold <bytes>',
        'files of this size and more go up resumably (tus): a cut upload continues where it stopped',
      )
        .env('HOARD_RESUMABLE_THRESHOLD')
        .argParser(byteSize)
        .default(64 * 1024 * 1024, '64M'),
    )
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
              stored =
                size >= flags.resumableThreshold
                  ? await putLarge(ctx, api, target, { path: file, sha256, size }, options)
                  : await api.putObjectFile(target.bucket, target.key, file, size, { ...options, sha256 });
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

/** A large file through the resumable uploads, its URL kept in the state cache and its bytes shown as they go. */
async function putLarge(ctx: CommandContext, api: HoardClient, target: ObjectTarget, file: HashedFile, options: ObjectPutOptions) {
  const cache = new StateCache(ctx.config.cacheDir, StateCache.scopeOf(ctx.config.url, ctx.config.hostname));
  const progress = new TransferProgress();
  progress.totalBytes = file.size;
  const view = new TransferProgressView(progress, 'sent', process.stderr, ctx.quiet);
  view.start();
  try {
    const { object, resumedFrom } = await putResumable(api, cache.uploads, target, file, options, (sent) => (progress.bytes = sent));
    if (resumedFrom > 0) ctx.out.note(`continued an upload cut short: ${formatBytes(resumedFrom)} were on the server already`);
    return object;
  } finally {
    view.stop();
    cache.close();
  }
}
