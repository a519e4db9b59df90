import { chmodSync, mkdirSync } from 'node:fs';

/**
 * Creates the data directory when it does not exist, readable by the server's user only (0700, set past the umask).
 * A directory that exists is left as its owner made it.
 */
export function makeDataDir(dir: string): void {
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
}
