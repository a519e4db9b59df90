import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { changedSizeError } from '@app/client/changed-file';
import { PackBody } from '@app/client/multipart-body';
import { HoardError, LIMITS, PackItemResult } from '@app/contracts';
import { BoundedRunner } from '../concurrency/bounded-runner';
import { ioReason, isSkippable } from './file-classifier';
import { PendingRecord, ScanContext } from './scan-context';
import { ScanProgress } from './scan-events';

/** What happened to one file's content. */
export type UploadOutcome = 'uploaded' | 'deduplicated' | 'vanished' | 'failed';

export interface UploadQueueOptions {
  /** Files up to this size travel together in packs (`POST /api/v1/blobs/pack`); 0 sends each on its own. */
  packFileMax?: number;
  /** A pack leaves once it holds this many bytes ... */
  packBytes?: number;
  /** ... or this many files ... */
  packFiles?: number;
  /** ... or this long after its first file joined it. */
  packDelayMs?: number;
  /** Packs being sent at once, beside the streamed uploads (each is held in memory while it is sent). */
  packsInFlight?: number;
}

const PACK_DEFAULTS: Required<UploadQueueOptions> = {
  packFileMax: 256 * 1024,
  packBytes: 8 * 1024 * 1024,
  packFiles: LIMITS.packMax,
  packDelayMs: 100,
  packsInFlight: 4,
};

/** An upload waiting in a pack, and how to tell its followers the outcome. */
interface Packed {
  item: PendingRecord;
  settle: (ok: boolean) => void;
}

/**
 * Uploads content the server asked for, with bounded concurrency. A large file streams from disk in its own
 * request (re-opened on a retry); small files are read whole and sent many to a request, since for them the
 * cost of a request outweighs that of the bytes. A digest uploaded once in this run is not sent again. A file
 * gone before its upload is reported `vanished` so the scan can record its deletion.
 */
export class UploadQueue {
  private readonly runner: BoundedRunner;
  private readonly packRunner: BoundedRunner;
  /** Uploads under way, by digest, each with the copies of its content that wait for its outcome. */
  private readonly inFlight = new Map<string, PendingRecord[]>();
  /** Digests sent in this run. */
  private readonly sent = new Set<string>();
  /** Copies trying again after the upload they waited for failed. */
  private readonly followers = new Set<Promise<void>>();
  /** Files held by the queue without an upload slot of their own: in packs, or waiting for a copy's upload. */
  private held = 0;
  private readonly heldWaiters: Array<() => void> = [];
  /** Set when the server has no pack route (an older server): every file then goes in a PUT of its own. */
  private packsUnsupported = false;
  private readonly options: Required<UploadQueueOptions>;
  private pack: Packed[] = [];
  private packBytes = 0;
  private packTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: ScanContext,
    concurrency: number,
    private readonly done: (item: PendingRecord, outcome: UploadOutcome) => void,
    options: UploadQueueOptions = {},
  ) {
    this.runner = new BoundedRunner(concurrency);
    this.options = { ...PACK_DEFAULTS, ...options };
    this.packRunner = new BoundedRunner(this.options.packsInFlight);
  }

  /** Queues an upload; waits while the queue is full. */
  async push(item: PendingRecord): Promise<void> {
    const sha = item.meta.sha256;
    if (this.sent.has(sha)) return this.finish(item, 'deduplicated');
    const waiting = this.inFlight.get(sha);
    if (waiting) {
      // Same content as an upload of this run: it waits for that one, and tries again only if it failed.
      waiting.push(item);
      this.held++;
      return this.whileHoldingTooMany();
    }
    this.inFlight.set(sha, []);
    const settle = (ok: boolean) => {
      const copies = this.inFlight.get(sha) ?? [];
      this.inFlight.delete(sha);
      this.release(copies.length);
      if (ok) this.sent.add(sha);
      for (const copy of copies) {
        if (ok) {
          this.finish(copy, 'deduplicated');
          continue;
        }
        const retry: Promise<void> = this.push(copy).finally(() => this.followers.delete(retry));
        this.followers.add(retry);
      }
    };
    if (item.meta.size <= this.options.packFileMax && !this.packsUnsupported) {
      this.held++;
      await this.addToPack({ item, settle });
      return this.whileHoldingTooMany();
    }
    await this.runner.run(async () => settle(await this.upload(item)));
  }

  /** Waits for every upload. */
  async drain(): Promise<void> {
    do {
      await this.flushPack();
      await Promise.all([this.runner.drain(), this.packRunner.drain()]);
      await Promise.all([...this.followers]);
    } while (this.followers.size > 0 || this.runner.busy || this.packRunner.busy || this.pack.length > 0);
  }

  private async upload(item: PendingRecord): Promise<boolean> {
    const { filepath: path, sha256, size } = item.meta;
    if (this.ctx.fatal) return false; // the run is ending (a full or unusable server): nothing more is sent
    try {
      const res = await this.ctx.client.putBlobFile(sha256, path, size);
      this.uploaded(item, res.size);
      return true;
    } catch (err) {
      this.fail(item, err);
      return false;
    }
  }

  private async addToPack(entry: Packed): Promise<void> {
    this.pack.push(entry);
    this.packBytes += entry.item.meta.size;
    if (this.pack.length >= this.options.packFiles || this.packBytes >= this.options.packBytes) return this.flushPack();
    this.packTimer ??= setTimeout(() => void this.flushPack(), this.options.packDelayMs);
  }

  /** Sends the pack being filled, if any; waits while the packs in flight are at their limit. */
  private async flushPack(): Promise<void> {
    if (this.packTimer) clearTimeout(this.packTimer);
    this.packTimer = null;
    if (this.pack.length === 0) return;
    const entries = this.pack;
    this.pack = [];
    this.packBytes = 0;
    await this.packRunner.run(() => this.sendPack(entries));
  }

  private async sendPack(entries: Packed[]): Promise<void> {
    try {
      await this.sendPackOf(entries);
    } finally {
      this.release(entries.length);
    }
  }

  /**
   * Holds the caller back while more files than a few packs' worth wait in the queue: the scan then produces no
   * faster than packs leave, and what waits stays small (copies of one content can otherwise pile up by the
   * thousand while its pack fills).
   */
  private async whileHoldingTooMany(): Promise<void> {
    const limit = this.options.packFiles * (this.options.packsInFlight + 1);
    while (this.held > limit) {
      if (this.pack.length > 0) await this.flushPack();
      else await new Promise<void>((resolve) => this.heldWaiters.push(resolve));
    }
  }

  private release(count: number): void {
    this.held -= count;
    for (const wake of this.heldWaiters.splice(0)) wake();
  }

  private async sendPackOf(entries: Packed[]): Promise<void> {
    if (this.ctx.fatal) return entries.forEach((entry) => entry.settle(false));
    const pack = new PackBody(entries.length, entries.reduce((n, e) => n + e.item.meta.size, 0));
    const sending: Packed[] = [];
    for (const entry of entries) {
      const { filepath, sha256, size } = entry.item.meta;
      try {
        pack.add(sha256, size, (target) => readWholeFile(filepath, target));
        sending.push(entry);
      } catch (err) {
        this.fail(entry.item, err);
        entry.settle(false);
      }
    }
    if (sending.length === 0) return;
    let results: PackItemResult[];
    try {
      results = await this.ctx.client.putBlobPack(pack);
    } catch (err) {
      if (err instanceof HoardError && err.code === 'not_found') {
        // A server older than the pack route: these files, and every later one, are sent one by one.
        this.packsUnsupported = true;
        await Promise.all(sending.map((entry) => this.runner.run(async () => entry.settle(await this.upload(entry.item)))));
        return;
      }
      for (const entry of sending) {
        this.fail(entry.item, err);
        entry.settle(false);
      }
      return;
    }
    sending.forEach((entry, i) => {
      const result = results[i];
      if (result && 'size' in result) {
        this.uploaded(entry.item, result.size);
        entry.settle(true);
      } else {
        const error = result ? new HoardError(result.error.code, result.error.message) : new Error('the server did not answer for this file');
        this.fail(entry.item, error);
        entry.settle(false);
      }
    });
  }

  private uploaded(item: PendingRecord, bytes: number): void {
    const { filepath: path, sha256 } = item.meta;
    ScanProgress.add(this.ctx.progress.uploaded, bytes);
    this.ctx.emit({ event: 'uploaded', path, sha256, bytes });
    this.done(item, 'uploaded');
  }

  /** Reports a failed upload: a file gone is `vanished`, a changed one failed, the rest failed with the reason. */
  private fail(item: PendingRecord, err: unknown): void {
    const path = item.meta.filepath;
    if (isSkippable(err)) {
      this.ctx.skipped(path, ioReason(err, 'before its upload'));
      this.done(item, 'vanished');
    } else if (this.ctx.stopOn(err)) {
      this.done(item, 'failed');
    } else if (err instanceof HoardError && err.code === 'digest_mismatch') {
      this.ctx.failed(path, 'changed during the scan (content no longer matches its digest)');
      this.done(item, 'failed');
    } else {
      this.ctx.failed(path, `upload failed: ${(err as Error).message}`);
      this.done(item, 'failed');
    }
  }


  private finish(item: PendingRecord, outcome: UploadOutcome): void {
    ScanProgress.add(this.ctx.progress.deduplicated, item.meta.size);
    this.done(item, outcome);
  }
}

/**
 * Reads the whole content of a small file into `target`, in place (a few system calls on a file in the page cache).
 * A file whose length is no longer the recorded size changed since it was hashed.
 */
function readWholeFile(path: string, target: Buffer): void {
  const fd = openSync(path, 'r');
  try {
    if (fstatSync(fd).size !== target.length) throw changedSizeError();
    let length = 0;
    while (length < target.length) {
      const n = readSync(fd, target, length, target.length - length, null);
      if (n === 0) throw changedSizeError();
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}
