import { PendingRecord } from './scan-context';

/**
 * Files to confirm by record id (`POST /api/v1/files/seen`), one request's worth. Files the walk found unchanged
 * are kept as a reference into their directory's report, and their record is made only if the server's answer
 * needs it (stale record, content missing), so a large unchanged tree costs no object per file here.
 */
export class ConfirmBatch {
  readonly ids: string[] = [];
  private readonly sizes: number[] = [];
  private readonly sources: Array<{ at: number; make(at: number): PendingRecord } | PendingRecord> = [];
  private readonly at: number[] = [];

  get length(): number {
    return this.ids.length;
  }

  /** Adds file `at` of a source that can make its record (`make(at)`). */
  addKnown(id: string, size: number, source: { make(at: number): PendingRecord }, at: number): void {
    this.ids.push(id);
    this.sizes.push(size);
    this.sources.push(source as { at: number; make(at: number): PendingRecord });
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
    return at < 0 ? (source as PendingRecord) : (source as { make(at: number): PendingRecord }).make(at);
  }

  items(): PendingRecord[] {
    return this.ids.map((_, k) => this.item(k));
  }
}
