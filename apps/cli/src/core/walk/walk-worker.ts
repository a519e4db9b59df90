import { KIND, STAT } from '@hoard/native';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { childPath } from '../../io/state-cache/cache-paths';
import { openCacheReader } from '../../io/state-cache/cache-reader';
import { CachedDir } from '../../io/state-cache/cached-dir';
import { ListingStats, ScanWalker, WalkDir, WalkOptions } from './scan-walker';

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

export interface WalkJob {
  roots: string[];
  options: WalkOptions;
  /** The cache to compare with (opened by a StateCache first), or null. */
  cache: { file: string; scope: string } | null;
}

type CacheDirs = { dir(dir: string): CachedDir | null };

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
  report: DirReport, name: string, taken: ListingStats, words: Int32Array, j: number, cached: CachedDir, at: number, out: BigInt64Array, n: number,
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
function statMatches(report: DirReport, name: string, follow: boolean, cached: CachedDir, at: number, out: BigInt64Array, n: number): boolean {
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

/** What the walk of one root produced, in order; ends with the root's failure, if any. */
export type RootFeed = AsyncGenerator<DirReport, void, undefined>;

/**
 * A report as posted between threads: the names and record ids of `same` as NUL-separated texts, since one string
 * crosses far faster than a hundred.
 */
type Packed = Omit<DirReport, 'same' | 'ids'> & { same: string; ids: string };

type Message = { root: number; reports?: Packed[]; files?: number; end?: true; error?: { code?: string; message: string } };

/** How many files the walk may be ahead of the scan (posted, not yet taken): bounds the memory of a large tree. */
const AHEAD = 100_000;

function pack(r: DirReport): Packed {
  return { ...r, same: r.same.join('\0'), ids: r.ids.join('\0') };
}

function unpack(r: Packed): DirReport {
  return { ...r, same: r.stats.length === 0 ? [] : r.same.split('\0'), ids: r.stats.length === 0 ? [] : r.ids.split('\0') };
}

/**
 * Runs the walk of every root (listing, stat, cache comparison) on a worker thread, so that it overlaps the rest of
 * the scan's start and its requests; or on this thread when no worker can run (e.g. from TypeScript sources).
 */
export class WalkFeed {
  private readonly worker: Worker | null = null;
  private readonly queue: Message[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  /** Files taken by the scan so far, shared with the worker: it waits while it is too far ahead. */
  private readonly taken = new Int32Array(new SharedArrayBuffer(4));
  /** Set once the worker is gone; its messages were all delivered before. */
  private exited = false;

  constructor(private readonly job: WalkJob) {
    const script = __filename.endsWith('.js') ? __filename : null;
    if (!script || !existsSync(script)) return;
    try {
      this.worker = new Worker(script, { workerData: { hoardWalk: job, taken: this.taken.buffer } });
    } catch {
      return;
    }
    this.worker.on('message', (m: Message) => this.push(m));
    this.worker.on('error', (err) => {
      this.failure = err;
      this.push(null);
    });
    // Not unref'd: while the scan waits for the walk, the worker is what keeps the process alive. It ends by itself
    // once every root is walked.
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (code !== 0) this.failure ??= new Error(`the walk stopped (exit code ${code})`);
      this.push(null);
    });
  }

  /** The reports of root number `index` (roots are read in order). */
  async *root(index: number): RootFeed {
    if (!this.worker) {
      yield* this.inProcess(index);
      return;
    }
    for (;;) {
      while (this.queue.length === 0) {
        if (this.failure) throw this.failure;
        // Nothing else would keep the process alive (nor come): not a wait, an error.
        if (this.exited) throw new Error('the walk ended before it was done');
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
      const m = this.queue.shift()!;
      if (m.root !== index) continue;
      if (m.reports) for (const r of m.reports) yield unpack(r);
      if (m.files) {
        Atomics.add(this.taken, 0, m.files);
        Atomics.notify(this.taken, 0);
      }
      if (m.end) {
        if (m.error) throw Object.assign(new Error(m.error.message), { code: m.error.code });
        return;
      }
    }
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  private push(m: Message | null): void {
    if (m) this.queue.push(m);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async *inProcess(index: number): RootFeed {
    const { roots, options, cache } = this.job;
    const reader = cache ? openCacheReader(cache.file, cache.scope) : null;
    try {
      yield* dirReports(roots[index], new ScanWalker(options), reader, options.followSymlinks);
    } finally {
      reader?.close();
    }
  }
}

/** The worker's side: walks every root and posts the reports in batches of about 1,000 files. */
function runWorker(job: WalkJob, taken: Int32Array): void {
  const reader = job.cache ? openCacheReader(job.cache.file, job.cache.scope) : null;
  const walker = new ScanWalker(job.options);
  let posted = 0;
  job.roots.forEach((root, index) => {
    let batch: Packed[] = [];
    let files = 0;
    const flush = (): void => {
      // Far enough ahead: wait until the scan takes more (it wakes this thread each time it does).
      for (let now = Atomics.load(taken, 0); posted - now > AHEAD; now = Atomics.load(taken, 0)) Atomics.wait(taken, 0, now, 1000);
      posted += files;
      const transfer = batch.flatMap((r) => [r.stats.buffer, r.digests.buffer]);
      parentPort!.postMessage({ root: index, reports: batch, files } satisfies Message, [...new Set(transfer)] as ArrayBuffer[]);
      batch = [];
      files = 0;
    };
    try {
      for (const report of dirReports(root, walker, reader, job.options.followSymlinks)) {
        batch.push(pack(report));
        files += report.same.length + report.other.length + 1;
        if (files >= 1000) flush();
      }
      if (batch.length > 0) flush();
      parentPort!.postMessage({ root: index, end: true } satisfies Message);
    } catch (err) {
      if (batch.length > 0) flush();
      const e = err as NodeJS.ErrnoException;
      parentPort!.postMessage({ root: index, end: true, error: { code: e.code, message: e.message } } satisfies Message);
    }
  });
  reader?.close();
}

const data = workerData as { hoardWalk?: WalkJob; taken?: SharedArrayBuffer } | null;
if (!isMainThread && data?.hoardWalk && data.taken) runWorker(data.hoardWalk, new Int32Array(data.taken));
