import { Worker } from 'node:worker_threads';
import { startWorker } from '../concurrency/worker-thread';
import { DirReport } from './dir-reports';
import { unpackReport, WalkJob, WalkMessage, WalkWorkerData } from './walk-protocol';

/** What the walk of one root produced, in order; ends with the root's failure, if any. */
export type RootFeed = AsyncGenerator<DirReport, void, undefined>;

/** A walk under way: the reports of each root, read in order, root after root. */
export interface WalkFeed {
  /** The reports of root number `index` (roots are read in order). */
  root(index: number): RootFeed;
  /** Stops the walk (what is not read yet is dropped). */
  close(): Promise<void>;
}

/** The walk thread's module (walk-worker.ts, or its build). */
const WALK_WORKER = require.resolve('./walk-worker');

/**
 * The walk of every root (listing, stat, cache comparison) on a worker thread, so that it overlaps the rest of the
 * scan's start and its requests. Reports arrive in batches; the thread waits while it is far ahead of the scan.
 */
export class ThreadWalkFeed implements WalkFeed {
  private readonly worker: Worker;
  /** Messages not read yet: `queue[head]` onwards (a shift per message would cost the length of the queue). */
  private queue: WalkMessage[] = [];
  private head = 0;
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  /** Files taken by the scan so far, shared with the worker: it waits while it is too far ahead. */
  private readonly taken = new Int32Array(new SharedArrayBuffer(4));
  /** Set once the worker is gone; its messages were all delivered before. */
  private exited = false;

  /** Starts the thread; throws when no thread can be started. */
  constructor(job: WalkJob) {
    this.worker = startWorker(WALK_WORKER, { workerData: { job, taken: this.taken.buffer as SharedArrayBuffer } satisfies WalkWorkerData });
    this.worker.on('message', (m: WalkMessage) => this.push(m));
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

  async *root(index: number): RootFeed {
    for (;;) {
      while (this.head === this.queue.length) {
        if (this.failure) throw this.failure;
        // Nothing else would keep the process alive (nor come): not a wait, an error.
        if (this.exited) throw new Error('the walk ended before it was done');
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
      const m = this.queue[this.head++];
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (m.root !== index) continue;
      if (m.reports) for (const r of m.reports) yield unpackReport(r);
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
    await this.worker.terminate();
  }

  private push(m: WalkMessage | null): void {
    if (m) this.queue.push(m);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
