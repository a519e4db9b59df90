import { resolve } from 'node:path';

/**
 * A path given on the command line (a file, or a path prefix), made absolute against the working directory: `.`,
 * `docs/a.txt` and `../x` name what they name in the shell. A trailing slash (only what is under it) is kept.
 */
export function absolutePath(path: string, cwd = process.cwd()): string {
  const absolute = resolve(cwd, path);
  return path.endsWith('/') && absolute !== '/' ? `${absolute}/` : absolute;
}
