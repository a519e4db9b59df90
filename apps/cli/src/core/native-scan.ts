import type * as Dirscan from '@hoard/dirscan';

export type { DirScan } from '@hoard/dirscan';

/**
 * The native directory scanner (libs/dirscan), or null when it is not there: it is optional, built at install where
 * a compiler is, and the walk goes through fs without it.
 */
function load(): typeof Dirscan | null {
  try {
    const module = require('@hoard/dirscan') as typeof Dirscan;
    return module.available ? module : null;
  } catch {
    return null;
  }
}

const native = load();

/** Lists a directory with its entries' lstat, or null where the scanner was not built. */
export const scanDir = native?.scanDir ?? null;

/** Entry kinds of a scan. */
export const KIND = { OTHER: 0, FILE: 1, DIR: 2, LINK: 3 } as const;
