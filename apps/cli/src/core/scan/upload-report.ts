import { HoardError } from '@app/contracts';
import { ioReason, isSkippable } from './file-classifier';
import { PendingRecord, ScanContext } from './scan-context';

/** What happened to one file's content. */
export type UploadOutcome = 'uploaded' | 'deduplicated' | 'vanished' | 'failed';

/** Tells the scan what became of each upload: counters and events, then the outcome to the queue's owner. */
export class UploadReport {
  constructor(
    private readonly ctx: ScanContext,
    private readonly done: (item: PendingRecord, outcome: UploadOutcome) => void,
  ) {}

  /** The content was sent: `bytes` of it (by a resumable upload that continued from `resumedFrom`, when it did). */
  uploaded(item: PendingRecord, bytes: number, resumedFrom = 0): void {
    this.ctx.uploaded(item.meta.filepath, item.meta.sha256, bytes, resumedFrom);
    this.done(item, 'uploaded');
  }

  /** The content was sent already in this run: nothing to send. */
  deduplicated(item: PendingRecord): void {
    this.ctx.deduplicated(item.meta.size);
    this.done(item, 'deduplicated');
  }

  /** A failed upload: a file gone is `vanished`, a changed one failed, the rest failed with the reason. */
  failed(item: PendingRecord, err: unknown): void {
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
}
