import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { HoardError, normalizeSha256 } from '@app/contracts';
import { downloadToFile, downloadToStream } from '../core/blob-download';
import { commandContext } from '../io/command-context';
import { printError, runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes } from '../ui/format';

/** `hoard get <sha256> [-o file|-o -]`: download, verify, then give the file its name; resumes with Range. */
export function getCommand(): Command {
  return new Command('get')
    .description('download content by digest, verified before the file is final (resumes an interrupted download)')
    .argument('<sha256>', 'the content digest')
    .addOption(new Option('-o, --output <file>', 'where to write; "-" for stdout (default: ./<sha256>)').env('HOARD_OUTPUT'))
    .action((sha: string, _opts: unknown, cmd: Command) =>
      runAction(async () => {
        const digest = normalizeSha256(sha);
        const { client, out } = commandContext(cmd);
        const output = cmd.opts<{ output?: string }>().output ?? digest;
        const api = client();
        try {
          if (output === '-') {
            await downloadToStream(api, digest, process.stdout);
            return EXIT.ok;
          }
          const target = resolve(output);
          const bytes = await downloadToFile(api, digest, target);
          out.note(`${target}: ${formatBytes(bytes)}, sha256 verified`);
          return EXIT.ok;
        } catch (err) {
          // A digest error is this file failing, not the command failing to run.
          if (err instanceof HoardError && err.code === 'digest_mismatch') {
            printError(err);
            return EXIT.someFailed;
          }
          throw err;
        } finally {
          await api.close();
        }
      }),
    );
}
