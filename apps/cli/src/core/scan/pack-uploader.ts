import { PackFileResult } from '@app/client';
import { HoardError } from '@app/contracts';
import { BoundedRunner } from '../concurrency/bounded-runner';
import { PendingRecord, ScanContext } from './scan-context';
import { UploadReport } from './upload-report';

/** An upload waiting in a pack, and how to tell the copies waiting for it the outcome. */
export interface PackedUpload {
  item: PendingRecord;
  settle: (ok: boolean) => void;
}

/** When a pack leaves, and how many may be sent at once. */
export interface PackLimits {
  /** A pack leaves once it holds this many bytes ... */
  packBytes: number;
  /** ... or this many files ... */
  packFiles: number;
  /** ... or this long after its first file joined it. */
  packDelayMs: number;
  /** Packs being sent at once (each is held in memory while it is sent). */
  packsInFlight: number;
}

/**
 * Small files sent many to a request (`POST /api/v1/blobs/pack`), since for them the cost of a request outweighs that
 * of the bytes: a pack leaves when full, heavy or old, at most `packsInFlight` at once. A server without the pack
 * route (an older one) gets each file of the pack on its own through `single`, and every later one too.
 */
export class PackUploader {
  private readonly runner: BoundedRunner;
  private pack: PackedUpload[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private unsupported = false;

  constructor(
    private readonly ctx: ScanContext,
    private readonly report: UploadReport,
    private readonly limits: PackLimits,
    /** Sends one file on its own; resolves once it has started. */
    private readonly single: (entry: PackedUpload) => Promise<void>,
    /** Told of files that left the pack uploader (sent, failed or handed to `single`). */
    private readonly released: (count: number) => void,
  ) {
    this.runner = new BoundedRunner(limits.packsInFlight);
  }

  /** False once the server said it has no pack route. */
  get supported(): boolean {
    return !this.unsupported;
  }

  /** True while a pack is being filled or sent. */
  get busy(): boolean {
    return this.pack.length > 0 || this.runner.busy;
  }

  /** Files in the pack being filled. */
  get filling(): number {
    return this.pack.length;
  }

  /** Adds a file; the pack leaves when it is full or heavy (waiting while the packs in flight are at their limit). */
  async add(entry: PackedUpload): Promise<void> {
    this.pack.push(entry);
    this.bytes += entry.item.meta.size;
    if (this.pack.length >= this.limits.packFiles || this.bytes >= this.limits.packBytes) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), this.limits.packDelayMs);
  }

  /** Sends the pack being filled, if any; waits while the packs in flight are at their limit. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pack.length === 0) return;
    const entries = this.pack;
    this.pack = [];
    this.bytes = 0;
    await this.runner.run(async () => {
      try {
        await this.send(entries);
      } finally {
        this.released(entries.length);
      }
    });
  }

  /** Sends what is filling and waits for every pack in flight. */
  async drain(): Promise<void> {
    await this.flush();
    await this.runner.drain();
  }

  private async send(entries: PackedUpload[]): Promise<void> {
    if (this.ctx.fatal) return entries.forEach((entry) => entry.settle(false));
    let results: PackFileResult[];
    try {
      results = await this.ctx.client.putBlobPack(
        entries.map(({ item: { meta } }) => ({ sha256: meta.sha256, path: meta.filepath, size: meta.size })),
      );
    } catch (err) {
      if (err instanceof HoardError && err.code === 'not_found') {
        this.unsupported = true;
        await Promise.all(entries.map((entry) => this.single(entry)));
        return;
      }
      results = entries.map((entry) => ({ sha256: entry.item.meta.sha256, error: err as Error }));
    }
    entries.forEach((entry, i) => {
      const result = results[i];
      if ('size' in result) this.report.uploaded(entry.item, result.size);
      else this.report.failed(entry.item, result.error);
      entry.settle('size' in result);
    });
  }
}
