import { KIND, STAT } from '@hoard/native';
import { lstatSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { childPath } from '../../io/state-cache/cache-paths';
import { CacheDirs } from '../../io/state-cache/cache-reader';
import { CachedDir } from '../../io/state-cache/cached-dir';
import { ListingStats, ScanWalker, WalkDir } from './scan-walker';

/**
 * One directory listed and compared with its cached entries. Files whose stat matches their cached fingerprint
 * come with what their record needs (stat fields, digest, record id); everything else is left to the scan to
 * look at again.
 */
export interface DirReport {
  dir: string;
  /** The listing is complete (not a root that is a file, not an unreadable directory). */
  listed: boolean;
  /** Why the directory could not be listed. */
  error?: { code?: string; message: string };
  /** Names of regular files whose fingerprint matches the cache exactly. */
  same: string[];
  /** Their record ids ('' when the cache knows none). */
  ids: string[];
  /** The stat record of each file of `same` (STAT.FIELDS each, at the native scanner's STAT offsets). */
  stats: BigInt64Array;
  /** 32 bytes per file of `same`. */
  digests: Uint8Array;
  /** Names to inspect again: not cached, changed, not regular files, or failed to stat. */
  other: string[];
  /** Paths of cached entries gone from the listing, or gone when looked at. */
  gone: string[];
}

/** Lists the directories under `root` and compares each with the cache. Throws when the root cannot be walked. */
export function* dirReports(root: string, walker: ScanWalker, cache: CacheDirs | null, follow: boolean): Generator<DirReport> {
  for (const listing of walker.walk(root)) {
    const { dir } = listing;
    if (listing.error) {
      yield { ...empty(dir), error: { code: listing.error.code, message: listing.error.message } };
      continue;
    }
    const cached = cache?.dir(dir) ?? null;
    const report = empty(dir);
    report.listed = listing.listed !== null;
    const matched = compareFiles(report, listing, cached, follow);
    // Cached names the listing no longer holds (excluded entries and subdirectories are still listed).
    if (cached && listing.listed && matched < cached.size) {
      const present = new Set(listing.listed);
      for (let i = 0; i < cached.size; i++) if (!present.has(cached.names[i])) report.gone.push(cached.path(i));
    }
    yield report;
  }
}

/**
 * Fills `report` from the files of `listing` that the cache knows: those whose fingerprint matches, with what their
 * record needs, and the others. Returns how many names the cache knew. The stats come with the listing when the
 * native scanner made it; otherwise each file is stat()ed here. Kept apart from the generator above, and the
 * per-file checks apart again: these run once per file, and small functions are optimised quickly.
 */
function compareFiles(report: DirReport, listing: WalkDir, cached: CachedDir | null, follow: boolean): number {
  const { files, stats: taken } = listing;
  const stats = new BigInt64Array(files.length * STAT.FIELDS);
  const digests = new Uint8Array(files.length * 32);
  const words = taken ? new Int32Array(taken.stats.buffer, taken.stats.byteOffset, taken.stats.length * 2) : null;
  let matched = 0;
  for (let j = 0; j < files.length; j++) {
    const name = files[j];
    const at = cached ? cached.indexOf(name) : -1;
    if (at < 0) {
      report.other.push(name);
      continue;
    }
    matched++;
    const n = report.same.length;
    const same = taken
      ? takenMatches(report, name, taken, words!, j, cached!, at, stats, n)
      : statMatches(report, name, follow, cached!, at, stats, n);
    if (!same) {
      report.other.push(name);
      continue;
    }
    digests.set(cached!.digest(at), n * 32);
    report.same.push(name);
    report.ids.push(cached!.recordIds[at]);
  }
  report.stats = stats.subarray(0, report.same.length * STAT.FIELDS);
  report.digests = digests.subarray(0, report.same.length * 32);
  return matched;
}

const { ENOENT } = constants.errno;

/** Whether file `j` of a native listing matches cached entry `at`; if so, its stat fields go to `out[n]`. */
function takenMatches(
  report: DirReport,
  name: string,
  taken: ListingStats,
  words: Int32Array,
  j: number,
  cached: CachedDir,
  at: number,
  out: BigInt64Array,
  n: number,
): boolean {
  const k = taken.at[j];
  const errno = taken.errnos[k];
  if (errno !== 0) {
    if (errno === ENOENT) report.gone.push(childPath(report.dir, name));
    return false;
  }
  if (taken.kinds[k] !== KIND.FILE || !cached.fingerprints.matchesWords(at, words, k * STAT.FIELDS * 2)) return false;
  out.set(taken.stats.subarray(k * STAT.FIELDS, (k + 1) * STAT.FIELDS), n * STAT.FIELDS);
  return true;
}

/** Whether file `name` matches cached entry `at`, stat()ed now; if so, its stat fields go to `out[n]`. */
function statMatches(
  report: DirReport,
  name: string,
  follow: boolean,
  cached: CachedDir,
  at: number,
  out: BigInt64Array,
  n: number,
): boolean {
  const path = childPath(report.dir, name);
  let st;
  try {
    st = follow ? statSync(path, { bigint: true }) : lstatSync(path, { bigint: true });
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') report.gone.push(path);
    return false;
  }
  if (!st.isFile() || !cached.fingerprints.matches(at, st)) return false;
  const o = n * STAT.FIELDS;
  out[o + STAT.SIZE] = st.size;
  out[o + STAT.MTIME_NS] = st.mtimeNs;
  out[o + STAT.CTIME_NS] = st.ctimeNs;
  out[o + STAT.INO] = BigInt.asIntN(64, st.ino);
  out[o + STAT.DEV] = BigInt.asIntN(64, st.dev);
  out[o + STAT.MODE] = st.mode;
  out[o + STAT.UID] = st.uid;
  out[o + STAT.GID] = st.gid;
  out[o + STAT.ATIME_NS] = st.atimeNs;
  return true;
}

function empty(dir: string): DirReport {
  return { dir, listed: false, same: [], ids: [], stats: new BigInt64Array(0), digests: new Uint8Array(0), other: [], gone: [] };
}
