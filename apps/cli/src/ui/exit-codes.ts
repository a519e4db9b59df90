/** Exit codes of CLI.md, and those of a run cut short. */
export const EXIT = {
  /** Everything done. */
  ok: 0,
  /** Finished, but some files failed (or, for restore and verify, nothing matched or something differs). */
  someFailed: 1,
  /** Could not run: usage, config, server unreachable, key rejected. */
  cannotRun: 2,
  /** Stopped by Ctrl-C (SIGINT): 128 + 2, as shells report it. */
  interrupted: 130,
  /** The reader of stdout went away (a closed pipe): 128 + 13, as for a command ended by SIGPIPE. */
  pipeClosed: 141,
} as const;

/** The exit codes as the help shows them. */
export const EXIT_CODES_HELP = `
Exit codes:
  0    everything done
  1    finished, but some files failed (restore: nothing matched; verify: differences found)
  2    could not run (bad usage or config, server unreachable, key rejected)
  130  interrupted by Ctrl-C; the next run continues where this one stopped
  141  the reader of the output went away (e.g. "| head"); nothing is printed about it`;
