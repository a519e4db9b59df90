/** Exit codes of CLI.md. */
export const EXIT = {
  /** Everything done. */
  ok: 0,
  /** Finished, but some files failed. */
  someFailed: 1,
  /** Could not run: usage, config, server unreachable, key rejected. */
  cannotRun: 2,
} as const;
