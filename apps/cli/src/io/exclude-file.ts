import { readFileSync } from 'node:fs';
import { HoardError } from '@app/contracts';

/** The patterns of `--exclude-from` files: one per line; blank lines and `#` comments as in .gitignore. */
export function readExcludeFiles(files: string[] = []): string[] {
  return files.flatMap((file) => {
    try {
      return readFileSync(file, 'utf8').split(/\r?\n/);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      throw new HoardError('invalid_request', `cannot read the exclude file ${file}: ${why}`);
    }
  });
}
