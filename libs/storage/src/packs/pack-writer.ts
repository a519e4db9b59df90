import type { Sha256 } from '@app/contracts';
import { randomBytes } from 'node:crypto';
import { HoardError } from '@app/contracts';
import { storeUnavailable } from '../shared/store-errors';
import type { PackAppender, PackFiles } from './pack-files';
import type { PackEntry, PackIndex, PackMove } from './pack-index';
import type { PutBatch } from '../blob-store';

export interface PackWriterOptions {
  files: PackFiles;
  index: PackIndex;
  /** A pack is sealed once it holds this many bytes (the last entry may take it past). */
  packSize: number;
  /** Names new packs (default: 32 random hex digits). */
  newId?: () => string;
  /**
   * A pack file the index does not know is removed at start only once it is this old (default 1 hour): on a shared
   * bucket it may be the pack another live instance just uploaded and is about to commit.
   */
  orphanGraceMs?: number;
  /** The clock the grace is measured by (default Date.now). */
  now?: () => number;
}

const ORPHAN_GRACE_MS = 3600_000;
/**
 * A batch's appends wait for its end while fewer than this many are queued. Below the pack route's 256 parts in
 * progress at once: parts waiting for a flush never hold every slot the batch would need to finish.
 */
const BATCH_LINGER_ENTRIES = 128;
/** ...and while they queue fewer bytes than this. */
const BATCH_LINGER_BYTES = 8 * 1024 * 1024;

/**
 * Appends that belong together (one request's parts), made with it as their `batch` inside {@link inPackBatch}. Handed
 * down explicitly (PutOptions.batch) rather than found in an AsyncLocalStorage: on Node 20 any such storage in use
 * hooks every promise of the process, and took 12-15% of the server's time on a first scan of small files.
 */
export class PackBatch implements PutBatch {
  private ended = false;
  private readonly atEnd = new Set<() => void>();

  /** Runs `fn` at the batch's end; false (and nothing noted) when it has ended. */
  whenEnded(fn: () => void): boolean {
    if (this.ended) return false;
    this.atEnd.add(fn);
    return true;
  }

  /** Ends the batch: its appends waiting for their flush ask for it now. */
  end(): void {
    this.ended = true;
    const due = [...this.atEnd];
    this.atEnd.clear();
    for (const fn of due) fn();
  }
}

/**
 * Runs `work` with a new batch of appends (the parts of one pack upload): an append made with it does not start a
 * flush on its own account but waits for the batch's end (`batch.end()`, called by `work` once its last append is
 * made, or when `work` settles), so that one flush (one write, one fdatasync, one index transaction) takes the
 * request's parts rather than the few that arrived in one turn of the event loop. A flush started by any other append
 * takes them too, and so does one started when {@link BATCH_LINGER_ENTRIES} or {@link BATCH_LINGER_BYTES} are queued.
 */
export async function inPackBatch<T>(work: (batch: PackBatch) => Promise<T>): Promise<T> {
  const batch = new PackBatch();
  try {
    return await work(batch);
  } finally {
    batch.end();
  }
}

/** The pack being filled: `end` counts the bytes reserved in it. */
interface OpenPack {
  appender: PackAppender;
  end: number;
  /** No more entries go in: it reached its size, or a flush of it failed (`broken`). */
  full: boolean;
  broken: boolean;
}

/** One content waiting for the next flush. */
interface Queued {
  sha256: Sha256;
  chunks: Buffer[];
  size: number;
  pack: OpenPack;
  offset: number;
  /** Resolved with whether its entry was committed (false: the digest was found packed by the flush). */
  done: { resolve: (created: boolean) => void; reject: (error: unknown) => void };
  /** Not looked up before it was queued: the flush looks for it in the index and commits no second entry. */
  unchecked?: boolean;
  /** Set for content GC copies out of a pack it rewrites: committed as a move from that pack. */
  from?: string;
}

/**
 * Appends verified small content to packs with GROUP COMMIT. `append` reserves the content's place at the end of the
 * open pack and queues it; one flush then, for everything queued since the previous one, writes each pack's new
 * bytes (one positional writev per pack: the reservations are contiguous), makes them durable with ONE fdatasync per
 * pack, and commits all their index entries in ONE transaction; only then does any of them become visible and do
 * their appends resolve. Flushes run one at a time: puts arriving while one runs form the next, so the linger is at
 * most one flush. A pack stays open across flushes until it holds `packSize` bytes, so packs number bytes / packSize.
 * The appends of a batch ({@link inPackBatch}: one pack upload's parts) ask for no flush until the batch ends or the
 * queue is long, so that one flush takes a request's parts rather than the few of one turn.
 * Where the files seal on sync (S3), each flush writes packs of its own, committed sealed: the busier the store, the
 * more a flush gathers and the larger its packs.
 * A crash leaves bytes past a pack's committed end: `recover` cuts them off at start.
 */
export class PackWriter {
  private current: OpenPack | null = null;
  private opening: Promise<OpenPack> | null = null;
  private queue: Queued[] = [];
  private queuedBytes = 0;
  private readonly scheduleFlush = () => this.schedule();
  /** Digests queued or being flushed: a second append of one waits for the first. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  /** A flush was asked for since the last one took the queue. */
  private wanted = false;
  private closed = false;
  private readonly newId: () => string;

  constructor(private readonly options: PackWriterOptions) {
    this.newId = options.newId ?? (() => randomBytes(16).toString('hex'));
  }

  /**
   * Crash recovery, before any append: every pack file is cut back to its committed end, and packs left open by the
   * previous run are sealed. A file the index does not know has no committed entry: it is removed once it is older
   * than the grace period (younger, it may be another instance's upload between its datasync and its commit). Where
   * packs are shared (they seal on sync), an unsealed pack younger than the grace may be another instance's commit
   * under way: it is left for that instance to seal, since GC rewrites sealed packs as complete.
   */
  async recover(): Promise<void> {
    // The files are listed after the index is read: a pack committed in between is then left alone by the grace.
    const known = new Map((await this.options.index.packs()).map((pack) => [pack.id, pack]));
    const oldest = (this.options.now ?? Date.now)() - (this.options.orphanGraceMs ?? ORPHAN_GRACE_MS);
    const open = [];
    const shared = this.options.files.sealsOnSync;
    for (const { id, size, modifiedAt } of await this.options.files.list()) {
      const pack = known.get(id);
      if (!pack) {
        if (modifiedAt <= oldest) await this.options.files.remove(id);
      } else if (size > pack.size) await this.options.files.truncate(id, pack.size);
      if (pack && !pack.sealed && (!shared || modifiedAt <= oldest)) open.push({ id, size: pack.size, sealed: true });
    }
    if (open.length > 0) await this.options.index.commit({ packs: open, entries: [] });
  }

  /**
   * Appends verified content; resolves once it is durable and indexed (true), or with false when the digest was
   * already packed or is being packed by another append (which then succeeded).
   * @param unregistered the caller's registry does not know the digest, so it is most likely packed nowhere: it is not
   *   looked up now but by its flush, with every other such append of the flush in one lookup (100,000 small files:
   *   2 s of one-by-one lookups). Found packed there (its registration was lost to a crash), its bytes stay in the
   *   pack as garbage and no second entry is committed.
   * @param batch the request's batch the append belongs to (see inPackBatch)
   * @throws HoardError unavailable / insufficient_storage when its flush failed: then nothing of it is visible.
   */
  async append(sha256: Sha256, chunks: Buffer[], size: number, unregistered = false, batch?: PutBatch): Promise<boolean> {
    for (let earlier = this.inFlight.get(sha256); earlier; earlier = this.inFlight.get(sha256)) {
      if (
        await earlier.then(
          () => true,
          () => false,
        )
      )
        return false;
    }
    let done!: Queued['done'];
    const flushed = new Promise<boolean>((resolve, reject) => (done = { resolve, reject }));
    this.inFlight.set(sha256, flushed);
    flushed.catch(() => undefined).finally(() => this.inFlight.get(sha256) === flushed && this.inFlight.delete(sha256));
    try {
      if (!unregistered && (await this.options.index.lookup(sha256))) {
        done.resolve(false);
        return false;
      }
      const pack = await this.packWithRoom();
      this.queue.push({ sha256, chunks, size, pack, offset: pack.end, done, unchecked: unregistered });
      this.queuedBytes += size;
      pack.end += size;
      if (pack.end >= this.options.packSize) this.retire(pack);
      this.flushSoon(batch);
    } catch (error) {
      done.reject(error);
    }
    return flushed;
  }

  /**
   * Copies content out of a pack GC rewrites: its verified bytes are appended like new content, and the flush
   * commits a move of its entry, applied only while the entry still points into `entry.packId` (content removed or
   * quarantined meanwhile stays so; its copy is dead bytes). Resolves once durable and committed.
   * @throws HoardError unavailable / insufficient_storage when its flush failed: the entry then stays where it was.
   */
  async relocate(entry: PackEntry, chunks: Buffer[]): Promise<void> {
    let done!: Queued['done'];
    const flushed = new Promise<boolean>((resolve, reject) => (done = { resolve, reject }));
    try {
      const pack = await this.packWithRoom();
      this.queue.push({ sha256: entry.sha256, chunks, size: entry.length, pack, offset: pack.end, done, from: entry.packId });
      this.queuedBytes += entry.length;
      pack.end += entry.length;
      if (pack.end >= this.options.packSize) this.retire(pack);
      this.schedule();
    } catch (error) {
      done.reject(error);
    }
    await flushed;
  }

  /** Flushes what is queued, seals nothing more, and closes the open pack. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length > 0) this.schedule(); // a batch's appends wait for no batch now
    while (this.flushing || this.scheduled || this.queue.length > 0) {
      await (this.flushing ?? new Promise((resolve) => setImmediate(resolve)));
    }
    const pack = this.current ?? (await this.opening?.catch(() => null)) ?? null;
    this.current = null;
    await pack?.appender.close();
  }

  private async packWithRoom(): Promise<OpenPack> {
    for (;;) {
      if (this.closed) throw storeUnavailable('append', new Error('the pack writer is closed'));
      if (this.current && !this.current.full) return this.current;
      this.opening ??= this.options.files.create(this.newId()).then(
        (appender) => {
          this.opening = null;
          this.current = { appender, end: 0, full: false, broken: false };
          return this.current;
        },
        (error) => {
          this.opening = null;
          throw error;
        },
      );
      await this.opening;
    }
  }

  /** No more entries go into `pack`; it is closed after the flush of its last ones. */
  private retire(pack: OpenPack, broken = false): void {
    pack.full = true;
    pack.broken ||= broken;
    if (this.current === pack) this.current = null;
  }

  /** Schedules a flush, unless the append is part of a batch that is still going on and the queue is short. */
  private flushSoon(batch?: PutBatch): void {
    const short = this.queue.length < BATCH_LINGER_ENTRIES && this.queuedBytes < BATCH_LINGER_BYTES;
    if (batch && short && batch.whenEnded(this.scheduleFlush)) return;
    this.schedule();
  }

  private schedule(): void {
    this.wanted = true;
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // One turn of the event loop lets the appends that arrived together share the flush.
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flushAll().finally(() => {
        this.flushing = null;
        // Asked for between the loop's last look and now (a continuation of the last flush's appends).
        if (this.wanted && this.queue.length > 0) this.schedule();
      });
    });
  }

  /** Flushes what is queued, again while a flush is wanted (a batch's appends queued meanwhile wait for their batch). */
  private async flushAll(): Promise<void> {
    while (this.wanted && this.queue.length > 0) {
      this.wanted = false;
      const batch = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      await this.flush(batch);
    }
  }

  /**
   * Writes, syncs (once per pack) and commits (once) a batch; settles every append of it. A pack full when the batch
   * was taken has all its entries in this batch or earlier ones: it is committed sealed, then closed.
   */
  private async flush(batch: Queued[]): Promise<void> {
    const byPack = new Map<OpenPack, Queued[]>();
    for (const item of batch) {
      const items = byPack.get(item.pack);
      if (items) items.push(item);
      else byPack.set(item.pack, [item]);
    }
    // Its datasync seals the pack: the appends that arrive during this flush go to a new pack.
    if (this.options.files.sealsOnSync) for (const pack of byPack.keys()) this.retire(pack);
    const last = new Set([...byPack.keys()].filter((pack) => pack.full));
    const durable: Queued[] = [];
    const packs: Array<{ id: string; size: number; sealed: boolean }> = [];
    for (const [pack, items] of byPack) {
      try {
        if (pack.broken) throw new Error(`an earlier flush of pack ${pack.appender.id} failed`);
        await pack.appender.write(
          items.flatMap((item) => item.chunks),
          items[0].offset,
        );
        await pack.appender.datasync();
        durable.push(...items);
        const tail = items[items.length - 1];
        packs.push({ id: pack.appender.id, size: tail.offset + tail.size, sealed: last.has(pack) });
      } catch (error) {
        // A pack whose write or flush failed takes nothing more: what it holds past its committed end is garbage.
        this.retire(pack, true);
        // The pack files' own typed errors (S3 full: insufficient_storage) keep their code.
        const failure = error instanceof HoardError ? error : storeUnavailable('write a pack', error);
        for (const item of items) item.done.reject(failure);
      }
    }
    try {
      const packed = await this.alreadyPacked(durable);
      if (durable.length > 0) {
        const moves: PackMove[] = durable.filter((item) => item.from !== undefined).map((item) => ({ ...entryOf(item), from: item.from! }));
        const entries = durable.filter((item) => item.from === undefined && !packed.has(item.sha256)).map(entryOf);
        await this.options.index.commit(moves.length > 0 ? { packs, entries, moves } : { packs, entries });
      }
      for (const item of durable) item.done.resolve(!packed.has(item.sha256));
    } catch (error) {
      for (const item of durable) item.done.reject(storeUnavailable('commit a pack', error));
    }
    for (const pack of byPack.keys()) if (last.has(pack) || pack.broken) await pack.appender.close();
  }

  /** The digests of `items` appended unchecked that the index holds already (one lookup for them all). */
  private async alreadyPacked(items: Queued[]): Promise<Set<string>> {
    const unchecked = items.filter((item) => item.unchecked).map((item) => item.sha256);
    if (unchecked.length === 0) return new Set();
    return new Set((await this.options.index.lookupMany(unchecked)).keys());
  }
}

function entryOf(item: Queued): PackEntry {
  return { sha256: item.sha256, packId: item.pack.appender.id, offset: item.offset, length: item.size };
}
