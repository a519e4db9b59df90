import { createReadStream } from 'node:fs';
import { HoardError } from '@app/contracts';
import { BoundedRunner } from './bounded-runner';
import { ioReason, isSkippable } from './file-classifier';
import { PendingRecord, ScanContext } from './scan-context';
import { ScanProgress } from './scan-events';

/** What happened to one file's content. */
export type UploadOutcome = 'uploaded' | 'deduplicated' | 'vanished' | 'failed';

/**
 * Uploads content the server asked for, with bounded concurrency, streaming each file from disk (re-opened on a
 * retry). A digest uploaded once in this run is not sent again. A file gone before its upload is reported
 * `vanished` so the scan can record its deletion.
 */
export class UploadQueue {
  private readonly runner: BoundedRunner;
  /** Uploads under way, by digest. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  /** Digests sent in this run. */
  private readonly sent = new Set<string>();
  private readonly followers = new Set<Promise<void>>();

  constructor(private readonly ctx: ScanContext, concurrency: number, private readonly done: (item: PendingRecord, outcome: UploadOutcome) => void) {
    this.runner = new BoundedRunner(concurrency);
  }

  /** Queues an upload; waits while the queue is full. */
  async push(item: PendingRecord): Promise<void> {
    const sha = item.meta.sha256;
    if (this.sent.has(sha)) return this.finish(item, 'deduplicated');
    const earlier = this.inFlight.get(sha);
    if (earlier) {
      // Same content as an upload of this run: wait for it, and try again only if it failed.
      const follower: Promise<void> = earlier
        .then((ok) => (ok ? this.finish(item, 'deduplicated') : this.push(item)))
        .finally(() => this.followers.delete(follower));
      this.followers.add(follower);
      return;
    }
    let settle!: (ok: boolean) => void;
    this.inFlight.set(sha, new Promise<boolean>((resolve) => (settle = resolve)));
    await this.runner.run(async () => {
      const ok = await this.upload(item);
      if (ok) this.sent.add(sha);
      this.inFlight.delete(sha);
      settle(ok);
    });
  }

  /** Waits for every upload. */
  async drain(): Promise<void> {
    do {
      await this.runner.drain();
      await Promise.all([...this.followers]);
    } while (this.followers.size > 0 || this.runner.busy);
  }

  private async upload(item: PendingRecord): Promise<boolean> {
    const { filepath: path, sha256, size } = item.meta;
    try {
      // A read stream allocates a whole highWaterMark per read: small files get small buffers.
      const highWaterMark = Math.min(1024 * 1024, Math.max(16 * 1024, size));
      const res = await this.ctx.client.putBlob(sha256, () => createReadStream(path, { highWaterMark }), size);
      ScanProgress.add(this.ctx.progress.uploaded, res.size);
      this.ctx.emit({ event: 'uploaded', path, sha256, bytes: res.size });
      this.done(item, 'uploaded');
      return true;
    } catch (err) {
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
      return false;
    }
  }

  private finish(item: PendingRecord, outcome: UploadOutcome): void {
    ScanProgress.add(this.ctx.progress.deduplicated, item.meta.size);
    this.done(item, outcome);
  }
}
