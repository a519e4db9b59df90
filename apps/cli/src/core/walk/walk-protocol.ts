import { DirReport } from './dir-reports';
import { WalkOptions } from './scan-walker';

/** What a walk is asked to do: the roots, in order, how to walk them, and the cache to compare with. */
export interface WalkJob {
  roots: string[];
  options: WalkOptions;
  /** The cache to compare with (opened by a StateCache first), or null. */
  cache: { file: string; scope: string } | null;
}

/** What the walk thread is started with: the job, and the count of files the scan has taken (shared). */
export interface WalkWorkerData {
  job: WalkJob;
  taken: SharedArrayBuffer;
}

/**
 * A report as posted between threads: the names and record ids of `same` as NUL-separated texts, since one string
 * crosses far faster than a hundred.
 */
export type PackedReport = Omit<DirReport, 'same' | 'ids'> & { same: string; ids: string };

/**
 * One message of the walk thread: reports of root `root` (and how many files they hold); the root's last message
 * also says that it ended, with the error that stopped its walk, if any (after the reports it carries).
 */
export interface WalkMessage {
  root: number;
  reports?: PackedReport[];
  files?: number;
  end?: true;
  error?: { code?: string; message: string };
}

/** How many files the walk may be ahead of the scan (posted, not yet taken): bounds the memory of a large tree. */
export const AHEAD = 100_000;

export function packReport(r: DirReport): PackedReport {
  return { ...r, same: r.same.join('\0'), ids: r.ids.join('\0') };
}

export function unpackReport(r: PackedReport): DirReport {
  return { ...r, same: r.stats.length === 0 ? [] : r.same.split('\0'), ids: r.stats.length === 0 ? [] : r.ids.split('\0') };
}
