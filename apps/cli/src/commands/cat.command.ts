import { Command, Option } from 'commander';
import { lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HoardError } from '@app/contracts';
import { downloadObjectToFile, downloadObjectToStream } from '../core/objects/object-download';
import { ObjectTarget, parseObjectTarget } from '../core/objects/object-target';
import { commandContext, withClient } from '../io/command-context';
import { printError, runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes } from '../ui/format';
import { onInterrupt } from '../ui/process-exit';
import { TransferProgress, TransferProgressView } from '../ui/transfer-progress.view';
import { positiveInt } from './option-parsers';

/**
 * `hoard cat <bucket>/<key> [-o file|-] [--version n]`: an object's content, verified against the digest the server
 * names (its ETag): to stdout (checked at the end), or to a file that takes its name only once verified.
 */
export function catCommand(): Command {
  return new Command('cat')
    .description('fetch an object by name, verified (to stdout, or to a file that appears only once verified)')
    .argument('<bucket/key>', 'the object, e.g. backups/user-1/db.sqlite', parseObjectTarget)
    .addOption(new Option('-o, --output <file>', 'write to this file ("-" or none: stdout)').env('HOARD_OUTPUT'))
    .addOption(new Option('--version <n>', 'a version other than the current one').argParser(positiveInt))
    .addOption(new Option('-f, --force', 'replace an existing file').env('HOARD_FORCE'))
    .action((target: ObjectTarget, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const flags = cmd.opts<{ output?: string; version?: number; force?: boolean }>();
        return withClient(ctx, async (api) => {
          const progress = new TransferProgress();
          const view = new TransferProgressView(progress, 'got', process.stderr, ctx.quiet);
          const options = {
            version: flags.version,
            onBytes: (n: number) => (progress.bytes += n),
            onSize: (size: number) => (progress.totalBytes = size),
          };
          onInterrupt(() => `Interrupted: ${formatBytes(progress.bytes)} received; nothing was written under the file's name.`);
          try {
            if (flags.output === undefined || flags.output === '-') {
              await downloadObjectToStream(api, target, process.stdout, options);
              return EXIT.ok;
            }
            const file = resolve(flags.output);
            await checkOutput(file, Boolean(flags.force));
            view.start();
            const head = await downloadObjectToFile(api, target, file, options);
            view.stop();
            ctx.out.note(`${file}: ${formatBytes(progress.bytes)}, version ${head.version ?? '?'}, sha256 verified`);
            return EXIT.ok;
          } catch (err) {
            view.stop();
            // Content that does not match its digest is this object failing, not the command failing to run.
            if (err instanceof HoardError && err.code === 'digest_mismatch') {
              printError(err);
              return EXIT.someFailed;
            }
            throw err;
          } finally {
            view.stop();
            onInterrupt(null);
          }
        });
      }),
    );
}

/** An existing file is replaced only with `force`; a directory never. */
async function checkOutput(file: string, force: boolean): Promise<void> {
  const info = await lstat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (info?.isDirectory()) throw new HoardError('invalid_request', `${file} is a directory`);
  if (info && !force) throw new HoardError('invalid_request', `${file} already exists; pass --force to replace it`);
}
