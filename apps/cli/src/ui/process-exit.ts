import { EXIT } from './exit-codes';

/** What the command under way says when it is interrupted: what was done, and what the next run does. */
let interruptNote: (() => string) | null = null;

/** Sets (or clears, with null) the line printed when Ctrl-C stops the command under way. */
export function onInterrupt(note: (() => string) | null): void {
  interruptNote = note;
}

/** Work Ctrl-C waits for before the process ends (closing a scan run as cancelled), at most this long. */
let interruptCleanup: (() => Promise<void>) | null = null;
const CLEANUP_DEADLINE_MS = 3000;

/** Sets (or clears, with null) what Ctrl-C waits for, up to a few seconds, before the process ends. */
export function onInterruptCleanup(cleanup: (() => Promise<void>) | null): void {
  interruptCleanup = cleanup;
}

/** Set by a command that ends cleanly on Ctrl-C (finishing its work in flight) instead of being cut off. */
let stopRequest: (() => void) | null = null;

/** Sets (or clears, with null) what Ctrl-C does instead of ending the process at once; a second Ctrl-C still does. */
export function onStopRequest(handler: (() => void) | null): void {
  stopRequest = handler;
}

/**
 * Ends the process with `code` once everything written to stdout and stderr has reached them: a pipe to a slow
 * reader gets the whole output, not what fitted in its buffer when the command returned.
 */
export function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = () => --pending === 0 && process.exit(code);
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || stream.writableEnded) done();
    else stream.write('', done);
  }
}

/**
 * A closed stdout or stderr (the reader of a pipe went away, as with `| head`) ends the command at once and quietly
 * with 141; Ctrl-C ends it with 130 after one line saying what was done and that the next run continues.
 */
export function installExitHandlers(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') process.exit(EXIT.pipeClosed);
      throw err;
    });
  }
  // What Ctrl-C waits for before the process ends: the cleanup, at most a few seconds.
  const cleanedUp = () => {
    const cleanup = interruptCleanup;
    return cleanup
      ? Promise.race([cleanup().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, CLEANUP_DEADLINE_MS).unref())])
      : Promise.resolve();
  };
  process.once('SIGINT', () => {
    if (stopRequest) {
      stopRequest();
      // A second Ctrl-C cuts the work in flight: its cleanup (the run closed as cancelled) still gets its few seconds.
      process.once('SIGINT', () => {
        void cleanedUp().then(() => process.exit(EXIT.interrupted));
        process.once('SIGINT', () => process.exit(EXIT.interrupted));
      });
      return;
    }
    const note = interruptNote?.() ?? 'Interrupted.';
    const finished = cleanedUp();
    process.stderr.write(`\n${note}\n`, () => void finished.then(() => process.exit(EXIT.interrupted)));
    // Should stderr not take the line, a second Ctrl-C still ends the process.
    process.once('SIGINT', () => process.exit(EXIT.interrupted));
  });
}
