import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HashAnswer, HashJobMessage } from './hash-worker';
import { startWorker } from './worker-thread';

/** The worker's module (hash-worker.ts, or its build). */
const HASH_WORKER = require.resolve('./hash-worker');

/** What a file is expected to be when hashing starts (from the scan's stat); a difference reports `changed`. */
export interface HashExpectation {
  size: bigint;
  mtimeNs: bigint;
}

export interface HashResult {
  sha256: string;
  bytes: number;
  /** The file differed from the expectation or changed while it was read: the digest may not match any state. */
  changed: boolean;
}

/** A failure to read a file; `code` is the system error code (ENOENT, EACCES, ELOOP, ENOTREG, …). */
export class HashReadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HashReadError';
  }
}

/**
 * Files expected under this size are sent to a worker in groups: posting a message costs the main thread about
 * as much as hashing a few KiB, so one message per small file made posting the largest main-thread cost of a scan
 * of small files (about 750 ms of 20,000 files of 0-4 KiB).
 */
export const SMALL_FILE_BYTES = 256 * 1024;
/** At most this many small files in one message (a group stays under 8 MiB of reading). */
export const GROUP_MAX = 32;

interface Job {
  id: number;
  path: string;
  noFollow: boolean;
  size?: string;
  mtimeNs?: string;
  /** Expected under {@link SMALL_FILE_BYTES}: may share a message with other small files. */
  small: boolean;
  resolve(result: HashResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Job>;
  /** Messages posted and not answered yet (a message is one file, or a group of small ones). */
  messages: number;
}

/**
 * SHA-256 of files on worker threads, one per core. Each worker reads one file at a time (so open files are
 * bounded by the pool size) and has at most `depth` messages queued so it never waits for the next one; small
 * files travel in groups of up to {@link GROUP_MAX}.
 */
export class HashPool {
  private slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  private readonly size: number;

  /** Workers start on demand, so a run that reads no file (an unchanged tree) starts none. */
  constructor(
    size = availableParallelism(),
    private readonly depth = 2,
  ) {
    this.size = Math.max(1, size);
  }

  /** Hashes the file at `path`; with `noFollow`, a symbolic link put in its place is refused (ELOOP). */
  hash(path: string, options: { noFollow?: boolean; expect?: HashExpectation } = {}): Promise<HashResult> {
    if (this.closed) return Promise.reject(new Error('hash pool closed'));
    return new Promise<HashResult>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        path,
        noFollow: options.noFollow ?? false,
        resolve,
        reject,
        size: options.expect?.size.toString(),
        mtimeNs: options.expect?.mtimeNs.toString(),
        small: options.expect !== undefined && options.expect.size < BigInt(SMALL_FILE_BYTES),
      });
      this.dispatch();
    });
  }

  /** Worker threads running now. */
  get workers(): number {
    return this.slots.length;
  }

  /**
   * Stops the workers that have nothing to do; the next hash starts them again. For a process that idles between
   * runs of work (`hoard watch` between batches): an idle worker keeps its thread and heap resident (about 10 MiB
   * each, more after a long run), and starting one again costs a few tens of ms.
   */
  async release(): Promise<void> {
    if (this.queue.length > 0) return;
    const idle = this.slots.filter((s) => s.messages === 0);
    this.slots = this.slots.filter((s) => s.messages > 0);
    await Promise.all(idle.map((s) => s.worker.terminate()));
  }

  /** Stops the workers; pending jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('hash pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      if (this.slots.length < this.size && this.slots.every((s) => s.messages > 0)) this.slots.push(this.spawn());
      const slot = this.slots.reduce((a, b) => (b.messages < a.messages ? b : a));
      if (slot.messages >= this.depth) return;
      const group = this.takeGroup();
      for (const job of group) slot.inFlight.set(job.id, job);
      slot.messages++;
      // A busy worker keeps the process alive; an idle one must not.
      slot.worker.ref();
      slot.worker.postMessage(
        group.map(
          (job) => ({ id: job.id, path: job.path, noFollow: job.noFollow, size: job.size, mtimeNs: job.mtimeNs }) satisfies HashJobMessage,
        ),
      );
    }
  }

  /** The next job, or the run of small jobs at the head of the queue (at most {@link GROUP_MAX}). */
  private takeGroup(): Job[] {
    const group = [this.queue.shift()!];
    if (!group[0].small) return group;
    while (group.length < GROUP_MAX && this.queue.length > 0 && this.queue[0].small) group.push(this.queue.shift()!);
    return group;
  }

  private spawn(): Slot {
    const worker = startWorker(HASH_WORKER);
    const slot: Slot = { worker, inFlight: new Map(), messages: 0 };
    worker.unref();
    worker.on('message', (answers: HashAnswer[]) => {
      slot.messages--;
      if (slot.messages === 0) worker.unref();
      for (const msg of answers) {
        const job = slot.inFlight.get(msg.id);
        if (!job) continue;
        slot.inFlight.delete(msg.id);
        if (msg.error) job.reject(new HashReadError(msg.error.code, msg.error.message));
        else job.resolve({ sha256: msg.sha256, bytes: msg.bytes, changed: msg.changed });
      }
      this.dispatch();
    });
    worker.on('error', (err) => {
      for (const job of slot.inFlight.values()) job.reject(err);
      slot.inFlight.clear();
      slot.messages = 0;
      const index = this.slots.indexOf(slot);
      if (!this.closed && index >= 0) this.slots[index] = this.spawn();
    });
    return slot;
  }
}
