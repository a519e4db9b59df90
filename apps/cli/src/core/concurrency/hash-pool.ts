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
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'HashReadError';
  }
}

interface Job {
  id: number;
  path: string;
  noFollow: boolean;
  size?: string;
  mtimeNs?: string;
  resolve(result: HashResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Job>;
}

/**
 * SHA-256 of files on worker threads, one per core. Each worker reads one file at a time (so open files are
 * bounded by the pool size) and has at most `depth` jobs queued so it never waits for the next one.
 */
export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  private readonly size: number;

  /** Workers start on demand, so a run that reads no file (an unchanged tree) starts none. */
  constructor(size = availableParallelism(), private readonly depth = 2) {
    this.size = Math.max(1, size);
  }

  /** Hashes the file at `path`; with `noFollow`, a symbolic link put in its place is refused (ELOOP). */
  hash(path: string, options: { noFollow?: boolean; expect?: HashExpectation } = {}): Promise<HashResult> {
    if (this.closed) return Promise.reject(new Error('hash pool closed'));
    return new Promise<HashResult>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++, path, noFollow: options.noFollow ?? false, resolve, reject,
        size: options.expect?.size.toString(), mtimeNs: options.expect?.mtimeNs.toString(),
      });
      this.dispatch();
    });
  }

  /** Stops the workers; pending jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('hash pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      if (this.slots.length < this.size && this.slots.every((s) => s.inFlight.size > 0)) this.slots.push(this.spawn());
      const slot = this.slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
      if (slot.inFlight.size >= this.depth) return;
      const job = this.queue.shift()!;
      slot.inFlight.set(job.id, job);
      // A busy worker keeps the process alive; an idle one must not.
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, path: job.path, noFollow: job.noFollow, size: job.size, mtimeNs: job.mtimeNs } satisfies HashJobMessage);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(HASH_WORKER);
    const slot: Slot = { worker, inFlight: new Map() };
    worker.unref();
    worker.on('message', (msg: HashAnswer) => {
      const job = slot.inFlight.get(msg.id);
      if (!job) return;
      slot.inFlight.delete(msg.id);
      if (slot.inFlight.size === 0) worker.unref();
      if (msg.error) job.reject(new HashReadError(msg.error.code, msg.error.message));
      else job.resolve({ sha256: msg.sha256, bytes: msg.bytes, changed: msg.changed });
      this.dispatch();
    });
    worker.on('error', (err) => {
      for (const job of slot.inFlight.values()) job.reject(err);
      slot.inFlight.clear();
      if (!this.closed) this.slots[this.slots.indexOf(slot)] = this.spawn();
    });
    return slot;
  }
}
