import { EMPTY_SHA256 } from '@app/contracts';
import { CachedFile } from '../../io/state-cache/cache-entry';
import { ConfirmBatch } from './confirm-batch';
import { PendingRecord, ScanContext } from './scan-context';
import { UploadOutcome, UploadQueue, UploadQueueOptions } from './upload-queue';

/**
 * The plan step: sends a batch of records (`POST /api/v1/files/batch`), hands the content the server lacks to the
 * upload queue, and remembers in the cache what the server now holds. In a dry run it only asks which digests are
 * missing (`POST /api/v1/blobs/missing`) and changes nothing.
 */
export class ScanRecorder {
  /** Paths whose file disappeared before its content could be sent: recorded, so their deletion must follow. */
  readonly vanished: string[] = [];
  private readonly uploads: UploadQueue;
  private pendingCache: CachedFile[] = [];

  constructor(
    private readonly ctx: ScanContext,
    uploadConcurrency: number,
    uploadOptions: UploadQueueOptions = {},
  ) {
    this.uploads = new UploadQueue(ctx, uploadConcurrency, (item, outcome) => this.afterUpload(item, outcome), uploadOptions);
  }

  /** Records one batch; never throws: a failed request fails its files. */
  async send(items: PendingRecord[]): Promise<void> {
    try {
      if (this.ctx.dryRun) await this.check(items);
      else await this.record(items);
    } catch (err) {
      if (this.ctx.stopOn(err)) return;
      for (const item of items) this.ctx.failed(item.meta.filepath, `not recorded: ${(err as Error).message}`);
    }
    this.flushCache();
  }

  /**
   * Confirms files the server knows by record id and that did not change here. Records the server no longer holds
   * as current are recorded again; content it lacks is uploaded. A dry run only checks, as `send` does.
   */
  async confirm(batch: ConfirmBatch): Promise<void> {
    if (this.ctx.dryRun) return this.send(batch.items());
    try {
      const answer = await this.ctx.client.confirmSeen(this.ctx.hostname, batch.ids);
      const stale = new Set(answer.stale);
      const lacking = new Set(answer.upload_required);
      const again: PendingRecord[] = [];
      for (let k = 0; k < batch.length; k++) {
        const id = batch.ids[k];
        if (stale.has(id)) {
          again.push(batch.item(k));
          continue;
        }
        this.ctx.checked(batch.size(k));
        this.ctx.recorded(false);
        if (!lacking.has(id)) continue;
        const item = batch.item(k);
        if (item.meta.sha256 !== EMPTY_SHA256) await this.uploads.push(item);
      }
      if (again.length > 0) await this.record(again);
    } catch (err) {
      if (this.ctx.stopOn(err)) return;
      for (let k = 0; k < batch.length; k++) this.ctx.failed(batch.item(k).meta.filepath, `not confirmed: ${(err as Error).message}`);
    }
    this.flushCache();
  }

  /** Waits for every upload and saves the cache. */
  async drain(): Promise<void> {
    await this.uploads.drain();
    this.flushCache();
  }

  private async record(items: PendingRecord[]): Promise<void> {
    const results = await this.ctx.client.recordBatch(items.map((i) => i.meta));
    for (const result of results) {
      const item = items[result.index];
      if (item.recordId !== result.id) {
        item.recordId = result.id;
        item.cached = false;
      }
      this.ctx.checked(item.meta.size);
      this.ctx.recorded(result.status === 'created');
      if (result.upload_required && item.meta.sha256 !== EMPTY_SHA256) {
        await this.uploads.push(item);
      } else if (result.content_available === false) {
        // Recorded, but its content was taken down and will not be accepted: said on every scan (so not cached).
        this.ctx.skipped(item.meta.filepath, 'taken down');
      } else {
        if (item.fresh) this.ctx.deduplicated(item.meta.size);
        this.remember(item);
      }
    }
  }

  private async check(items: PendingRecord[]): Promise<void> {
    const digests = [...new Set(items.map((i) => i.meta.sha256).filter((d) => d !== EMPTY_SHA256))];
    const missing = new Set(await this.ctx.client.missingBlobs(digests));
    for (const item of items) {
      this.ctx.checked(item.meta.size);
      if (missing.delete(item.meta.sha256)) this.ctx.wouldUpload(item.meta.size);
      else if (item.fresh) this.ctx.deduplicated(item.meta.size);
    }
  }

  private afterUpload(item: PendingRecord, outcome: UploadOutcome): void {
    if (outcome === 'uploaded' || outcome === 'deduplicated') this.remember(item);
    else if (outcome === 'vanished') this.vanished.push(item.meta.filepath);
  }

  private remember(item: PendingRecord): void {
    if (!this.ctx.cache || this.ctx.dryRun || item.cached) return;
    this.pendingCache.push({ path: item.meta.filepath, sha256: item.meta.sha256, recordId: item.recordId ?? null, ...item.fp });
    if (this.pendingCache.length >= 1000) this.flushCache();
  }

  private flushCache(): void {
    if (!this.ctx.cache || this.pendingCache.length === 0) return;
    const entries = this.pendingCache;
    this.pendingCache = [];
    this.ctx.cache.putMany(entries);
  }
}
