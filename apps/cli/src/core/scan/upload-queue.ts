import { LIMITS } from '@app/contracts';
import { worthResuming } from '../../io/state-cache/upload-urls';
import { BoundedRunner } from '../concurrency/bounded-runner';
import { PackedUpload, PackLimits, PackUploader } from './pack-uploader';
import { PendingRecord, ScanContext } from './scan-context';
import { UploadOutcome, UploadReport } from './upload-report';

export type { UploadOutcome } from './upload-report';

export interface UploadQueueOptions extends Partial<PackLimits> {
  /** Files up to this size travel together in packs (`POST /api/v1/blobs/pack`); 0 sends each on its own. */
  packFileMax?: number;
  /** Files of this size and more go through the resumable uploads (tus), which survive cut connections and runs. */
  resumableMin?: number;
}

const DEFAULTS: Required<UploadQueueOptions> = {
  packFileMax: 256 * 1024,
  packBytes: 8 * 1024 * 1024,
  packFiles: LIMITS.packMax,
  packDelayMs: 100,
  packsInFlight: 4,
  resumableMin: 64 * 1024 * 1024,
};

/**
 * Uploads content the server asked for, with bounded concurrency. A large file streams from disk in its own
 * request (re-opened on a retry); small files go many to a request (PackUploader). A digest uploaded once in this
 * run is not sent again. A file gone before its upload is reported `vanished` so the scan can record its deletion.
 */
export class UploadQueue {
  private readonly runner: BoundedRunner;
  private readonly packs: PackUploader;
  private readonly report: UploadReport;
  /** Uploads under way, by digest, each with the copies of its content that wait for its outcome. */
  private readonly inFlight = new Map<string, PendingRecord[]>();
  /** Digests sent in this run. */
  private readonly sent = new Set<string>();
  /** Copies trying again after the upload they waited for failed. */
  private readonly followers = new Set<Promise<void>>();
  /** Files held by the queue without an upload slot of their own: in packs, or waiting for a copy's upload. */
  private held = 0;
  private readonly heldWaiters: Array<() => void> = [];
  private readonly options: Required<UploadQueueOptions>;

  constructor(
    private readonly ctx: ScanContext,
    concurrency: number,
    done: (item: PendingRecord, outcome: UploadOutcome) => void,
    options: UploadQueueOptions = {},
  ) {
    this.runner = new BoundedRunner(concurrency);
    this.options = { ...DEFAULTS, ...options };
    this.report = new UploadReport(ctx, done);
    const single = (entry: PackedUpload) => this.runner.run(async () => entry.settle(await this.upload(entry.item)));
    this.packs = new PackUploader(ctx, this.report, this.options, single, (count) => this.release(count));
  }

  /** Queues an upload; waits while the queue is full. */
  async push(item: PendingRecord): Promise<void> {
    const sha = item.meta.sha256;
    if (this.sent.has(sha)) return this.report.deduplicated(item);
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
          this.report.deduplicated(copy);
          continue;
        }
        const retry: Promise<void> = this.push(copy).finally(() => this.followers.delete(retry));
        this.followers.add(retry);
      }
    };
    if (item.meta.size <= this.options.packFileMax && this.packs.supported) {
      this.held++;
      await this.packs.add({ item, settle });
      return this.whileHoldingTooMany();
    }
    await this.runner.run(async () => settle(await this.upload(item)));
  }

  /** Waits for every upload. */
  async drain(): Promise<void> {
    do {
      await this.packs.drain();
      await this.runner.drain();
      await Promise.all([...this.followers]);
    } while (this.followers.size > 0 || this.runner.busy || this.packs.busy);
  }

  /** Sends one file in a request of its own (a large one resumably); true once its content is stored. */
  private async upload(item: PendingRecord): Promise<boolean> {
    const { filepath: path, sha256, size } = item.meta;
    if (this.ctx.fatal) return false; // the run is ending (a full or unusable server): nothing more is sent
    if (size >= this.options.resumableMin) return this.uploadResumable(item);
    try {
      const res = await this.ctx.client.putBlobFile(sha256, path, size);
      this.report.uploaded(item, res.size);
      return true;
    } catch (err) {
      this.report.failed(item, err);
      return false;
    }
  }

  /**
   * Sends a large file through the resumable uploads: its upload's URL is kept in the state cache from its creation
   * until it ends, so that a run cut short (a killed CLI, a server gone) continues it from the server's offset at the
   * next run; within the run, the client retries from that offset itself. Its bytes show in the progress as they go.
   */
  private async uploadResumable(item: PendingRecord): Promise<boolean> {
    const { filepath: path, sha256, size } = item.meta;
    const urls = this.ctx.cache?.uploads ?? null;
    let shown = 0;
    this.ctx.sending(0, size);
    try {
      const res = await this.ctx.client.putBlobResumable(sha256, path, size, {
        resumeUrl: urls?.get(sha256, size),
        onUrl: (url) => urls?.remember(sha256, size, url),
        onProgress: (sent) => {
          this.ctx.sending(sent - shown);
          shown = sent;
        },
      });
      urls?.forget(sha256);
      this.report.uploaded(item, res.size, res.resumedFrom);
      return true;
    } catch (err) {
      if (!worthResuming(err)) urls?.forget(sha256);
      this.report.failed(item, err);
      return false;
    } finally {
      this.ctx.sending(-shown, -size);
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
      if (this.packs.filling > 0) await this.packs.flush();
      else await new Promise<void>((resolve) => this.heldWaiters.push(resolve));
    }
  }

  private release(count: number): void {
    this.held -= count;
    for (const wake of this.heldWaiters.splice(0)) wake();
  }
}
