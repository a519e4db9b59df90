import { CommanderError } from 'commander';
import { HoardError } from '@app/contracts';
import { fileErrorSentence } from '../core/file-errors';
import { EXIT } from './exit-codes';

/** Whether errors name their internal code and cause (`--verbose`). */
let verbose = false;

/** Turns the codes and causes of printed errors on or off. */
export function setVerboseErrors(on: boolean): void {
  verbose = on;
}

/**
 * The one place errors reach the user: one clear line on stderr, never a stack trace. Returns the exit code.
 * Anything thrown through a command means the command could not run (exit 2); per-file failures are collected
 * by the commands and never come here.
 */
export function printError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  stderr.write(`hoard: ${describeError(err)}\n`);
  return EXIT.cannotRun;
}

/** The line printed for an error: one sentence for people; with --verbose, its code and cause too. */
export function describeError(err: unknown, withCodes = verbose): string {
  const text = sentence(err);
  if (!withCodes) return text;
  const code = (err as { code?: unknown })?.code;
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const extra = [typeof code === 'string' ? code : null, cause && typeof cause.message === 'string' ? `cause: ${cause.message}` : null];
  const shown = extra.filter(Boolean);
  return shown.length > 0 ? `${text} (${shown.join('; ')})` : text;
}

function sentence(err: unknown): string {
  if (err instanceof HoardError) {
    switch (err.code) {
      case 'unauthorized':
        return `the server rejected the API key: ${lower(err.message)} (run "hoard login" or set HOARD_API_KEY)`;
      case 'forbidden':
        // A key limited to tenants names the host or bucket it may not write under; any other refusal is a scope's.
        if (err.details && ('hostname' in err.details || 'bucket' in err.details))
          return `the API key may not write there: ${lower(err.message)}`;
        return `the API key lacks the scope this needs: ${lower(err.message)}`;
      case 'insufficient_storage':
        return `the server's blob store is full: uploads stopped; free space there, then scan again`;
      default:
        return err.message;
    }
  }
  if (err instanceof CommanderError) return err.message.replace(/^error: /, '');
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string') return fileErrorSentence(e);
  return e?.message ?? String(err);
}

function lower(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Runs a command body and turns its outcome into `process.exitCode`. */
export async function runAction(body: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await body()) ?? EXIT.ok;
  } catch (err) {
    process.exitCode = printError(err);
  }
}
