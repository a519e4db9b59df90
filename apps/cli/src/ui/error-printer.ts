import { CommanderError } from 'commander';
import { HoardError } from '@app/contracts';
import { EXIT } from './exit-codes';

/**
 * The one place errors reach the user: one clear line on stderr, never a stack trace. Returns the exit code.
 * Anything thrown through a command means the command could not run (exit 2); per-file failures are collected
 * by the commands and never come here.
 */
export function printError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  stderr.write(`hoard: ${describeError(err)}\n`);
  return EXIT.cannotRun;
}

/** The line printed for an error. */
export function describeError(err: unknown): string {
  if (err instanceof HoardError) {
    switch (err.code) {
      case 'unauthorized':
        return `the server rejected the API key: ${err.message} (run "hoard login" or set HOARD_API_KEY)`;
      case 'forbidden':
        return `the API key lacks the scope this needs: ${err.message}`;
      case 'unavailable':
        return err.message;
      case 'insufficient_storage':
        return `the server's blob store is full: uploads stopped; free space there, then scan again (${err.message})`;
      default:
        return `${err.message} (${err.code})`;
    }
  }
  if (err instanceof CommanderError) return err.message.replace(/^error: /, '');
  const e = err as { code?: string; message?: string; path?: string };
  if (e && typeof e.code === 'string' && e.message) return e.message;
  return e?.message ?? String(err);
}

/** Runs a command body and turns its outcome into `process.exitCode`. */
export async function runAction(body: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await body()) ?? EXIT.ok;
  } catch (err) {
    process.exitCode = printError(err);
  }
}
