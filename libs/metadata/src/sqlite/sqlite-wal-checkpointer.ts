import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/**
 * What the checkpointer thread runs (plain JavaScript: a worker is started from a file or from source, and this one
 * must run the same from the build and from the TypeScript sources of the specs). Its own connection copies the WAL's
 * committed pages into the database, PASSIVE: it never waits for nor blocks the writer, and a page still read by an
 * open transaction stays in the WAL until the next round. SQLite coordinates the two connections through the WAL
 * index, as it does any two processes.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const report = (error) => parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
let db = null;
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs, fileMustExist: true });
} catch (error) {
  report(error);
}
if (db === null) {
  parentPort.close();
} else {
  const round = () => {
    try {
      const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
      parentPort.postMessage({ log, checkpointed });
    } catch (error) {
      report(error);
    }
  };
  const timer = setInterval(round, workerData.intervalMs);
  parentPort.on('message', () => {
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
  round();
}
`;

export interface WalCheckpointerOptions {
  /** The database file. */
  path: string;
  busyTimeoutMs: number;
  /** The thread starts once the WAL file has grown past this (a small database never needs it). */
  startAtBytes?: number;
  /** How often the WAL's size is looked at until then, and how often the thread checkpoints after. */
  intervalMs?: number;
  /** Told of a failed round (the next round tries again; the writer's own bound still holds). */
  onError?: (message: string) => void;
  /** Told after each round: the WAL's frames, and how many of them are in the database file now. */
  onRound?: (frames: { log: number; checkpointed: number }) => void;
  /**
   * After the thread ended by itself (it could not open the database, say), another starts no sooner than this
   * (default 1 minute): a thread that cannot work is not started again every second.
   */
  restartAfterMs?: number;
  /** Told when the thread ended by itself. */
  onEnded?: () => void;
  /** The clock of `restartAfterMs` (default Date.now). */
  now?: () => number;
}

/**
 * Checkpoints a WAL database from a thread of its own. A checkpoint copies every page committed since the last one
 * into the database file and syncs both files; on the writer's connection it ran on the event loop and blocked every
 * request for its copy and its two syncs. The writer keeps a high
 * `wal_autocheckpoint` as a bound in case this thread falls behind. The thread starts once the WAL has grown past
 * `startAtBytes`, so the many small databases of tests and tools never start one.
 */
export class WalCheckpointer {
  private worker: Worker | null = null;
  private watch: NodeJS.Timeout | null = null;
  private looking = false;
  private stopped = false;
  private restartAt = 0;
  private readonly now: () => number;

  constructor(private readonly options: WalCheckpointerOptions) {
    this.now = options.now ?? Date.now;
    this.watchWal();
  }

  /** Whether the thread runs. */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Ends the thread (after its round in progress, if any) and stops watching. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    await exited;
  }

  /** Starts the thread once the WAL has grown past the threshold. */
  async look(): Promise<void> {
    if (this.looking || this.worker || this.stopped || this.now() < this.restartAt) return;
    this.looking = true;
    try {
      const size = (await stat(`${this.options.path}-wal`).catch(() => null))?.size ?? 0;
      if (size >= (this.options.startAtBytes ?? 16 * 1024 * 1024) && !this.stopped) this.start();
    } finally {
      this.looking = false;
    }
  }

  private start(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        path: this.options.path,
        busyTimeoutMs: this.options.busyTimeoutMs,
        intervalMs: this.options.intervalMs ?? 1000,
      },
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 },
    });
    worker.unref();
    worker.on('message', (message: { error: string } | { log: number; checkpointed: number }) => {
      if ('error' in message) this.options.onError?.(message.error);
      else this.options.onRound?.(message);
    });
    worker.on('error', (error) => this.options.onError?.(error instanceof Error ? error.message : String(error)));
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      // Gone by itself: the writer's own bound holds; watch again and, after a while, start another.
      this.worker = null;
      this.restartAt = this.now() + (this.options.restartAfterMs ?? 60_000);
      this.options.onEnded?.();
      if (!this.stopped) this.watchWal();
    });
    this.worker = worker;
  }

  /** Looks at the WAL's size every interval until the thread starts. */
  private watchWal(): void {
    this.watch = setInterval(() => void this.look(), this.options.intervalMs ?? 1000);
    this.watch.unref();
  }
}
