import { PendingRecord } from './scan-context';

/** Where a batch finds the record of a file it holds by position. */
export interface RecordSource {
  make(at: number): PendingRecord;
}

/**
 * Files to confirm by record id (`POST /api/v1/files/seen`), one request's worth. Files the walk found unchanged
 * are kept as a reference into their directory's report, and their record is made only if the server's answer
 * needs it (stale record, content missing), so a large unchanged tree costs no object per file here.
 */
export class ConfirmBatch {
  readonly ids: string[] = [];
  private readonly sizes: number[] = [];
  private readonly sources: Array<RecordSource | PendingRecord> = [];
  private readonly at: number[] = [];

  get length(): number {
    return this.ids.length;
  }

  /** Adds file `at` of a source that can make its record (`make(at)`). */
  addKnown(id: string, size: number, source: RecordSource, at: number): void {
    this.ids.push(id);
    this.sizes.push(size);
    this.sources.push(source);
    this.at.push(at);
  }

  /** Adds a record made already (its `recordId` set). */
  add(item: PendingRecord): void {
    this.ids.push(item.recordId!);
    this.sizes.push(item.meta.size);
    this.sources.push(item);
    this.at.push(-1);
  }

  size(k: number): number {
    return this.sizes[k];
  }

  /** The record of file `k`. */
  item(k: number): PendingRecord {
    const at = this.at[k];
    const source = this.sources[k];
    return at < 0 ? (source as PendingRecord) : (source as RecordSource).make(at);
  }

  items(): PendingRecord[] {
    return this.ids.map((_, k) => this.item(k));
  }
}
