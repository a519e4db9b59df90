import { Command, Option } from 'commander';
import { lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HoardError } from '@app/contracts';
import { downloadToFile, downloadToStream } from '../core/download/blob-download';
import { resolveDigest } from '../core/download/digest-prefix';
import { commandContext, withClient } from '../io/command-context';
import { printError, runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes } from '../ui/format';
import { onInterrupt } from '../ui/process-exit';
import { TransferProgress, TransferProgressView } from '../ui/transfer-progress.view';

/**
 * `hoard get <sha256> [-o file|dir|-] [--force]`: download, verify, then give the file its name; resumes with Range.
 * An existing directory receives `<dir>/<sha256>`; an existing file is replaced only with `--force`.
 */
export function getCommand(): Command {
  return new Command('get')
    .description('download content by digest, verified before the file is final (resumes an interrupted download)')
    .argument('<sha256>', 'the content digest, or a unique prefix of 8+ characters')
    .addOption(
      new Option('-o, --output <path>', 'file or existing directory to write to; "-" for stdout (default: ./<sha256>)').env('HOARD_OUTPUT'),
    )
    .addOption(new Option('-f, --force', 'replace an existing file').env('HOARD_FORCE'))
    .action((sha: string, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const flags = cmd.opts<{ output?: string; force?: boolean }>();
        return withClient(ctx, async (api) => {
          const digest = await resolveDigest(api, sha, ctx.config.hostname);
          const progress = new TransferProgress();
          const view = new TransferProgressView(progress, 'got', process.stderr, ctx.quiet);
          const hooks = { onBytes: (n: number) => (progress.bytes += n), onSize: (size: number) => (progress.totalBytes = size) };
          onInterrupt(
            () =>
              `Interrupted: ${formatBytes(progress.bytes)} of ${progress.totalBytes === null ? '?' : formatBytes(progress.totalBytes)} received; run the same command again to continue the download.`,
          );
          view.start();
          try {
            if (flags.output === '-') {
              await downloadToStream(api, digest, process.stdout, hooks);
              return EXIT.ok;
            }
            const target = await outputPath(flags.output ?? digest, digest, Boolean(flags.force));
            const bytes = await downloadToFile(api, digest, target, hooks);
            view.stop();
            ctx.out.note(`${target}: ${formatBytes(bytes)}, sha256 verified`);
            return EXIT.ok;
          } catch (err) {
            view.stop();
            // A digest error is this file failing, not the command failing to run.
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

/**
 * Where the download goes: `output` itself, or `<output>/<sha256>` when it is a directory. An existing file is kept
 * unless `force`; a directory in the way is never replaced.
 */
async function outputPath(output: string, sha256: string, force: boolean): Promise<string> {
  let target = resolve(output);
  if ((await kindOf(target)) === 'dir') target = join(target, sha256);
  const kind = await kindOf(target);
  if (kind === 'dir') throw new HoardError('invalid_request', `${target} is a directory`);
  if (kind !== null && !force) throw new HoardError('invalid_request', `${target} already exists; pass --force to replace it`);
  return target;
}

async function kindOf(path: string): Promise<'dir' | 'other' | null> {
  try {
    return (await lstat(path)).isDirectory() ? 'dir' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
