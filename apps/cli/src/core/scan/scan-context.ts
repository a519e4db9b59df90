import { ErrorCode, FileMetadata, HoardError } from '@app/contracts';
import type { HoardClient } from '@app/client';
import { FileFingerprint } from '../../io/state-cache/cache-entry';
import { StateCache } from '../../io/state-cache/state-cache';
import { ProgressView, ScanEvent, ScanListener, ScanProgress, ScanSummary } from './scan-events';

/** Errors after which no request of the run can succeed; a full blob store (507) stops the uploads, never retried. */
const FATAL = new Set<ErrorCode>(['unauthorized', 'forbidden', 'unavailable', 'insufficient_storage']);

/** The routes a scan speaks. */
export type ScanClient = Pick<
  HoardClient,
  'recordBatch' | 'confirmSeen' | 'missingBlobs' | 'putBlobFile' | 'putBlobPack' | 'iterateFiles' | 'markDeleted' | 'putBlobResumable'
>;

/** A file ready to be recorded: what the server is told, and what the cache will remember. */
export interface PendingRecord {
  meta: FileMetadata;
  fp: FileFingerprint;
  /** Content was read in this run (not known from the cache). */
  fresh: boolean;
  /** The cache already holds this path with this fingerprint and record id: nothing to save. */
  cached?: boolean;
  /** The server's id of this path's current record, when known (from the cache or a batch answer). */
  recordId?: string | null;
}

/**
 * What the stages of one scan share: the client, the cache, the event sink, and the accounting of the run — each
 * stage tells the context what happened (a file scanned, hashed, recorded, uploaded, …) and the context keeps the
 * counters that the progress display and the summary read.
 */
export class ScanContext {
  private readonly counts = new ScanProgress();
  private readonly reasons: Record<string, number> = {};
  /** Set when the server cannot be used at all (unreachable, key rejected): the scan stops. */
  fatal: Error | null = null;

  constructor(
    readonly client: ScanClient,
    readonly cache: StateCache | null,
    readonly hostname: string,
    readonly dryRun: boolean,
    private readonly listener: ScanListener,
  ) {}

  /** The live counters. */
  get progress(): ProgressView {
    return this.counts;
  }

  /** `count` entries came from the walk (every kind, whether they could be looked at or not). */
  seen(count = 1): void {
    this.counts.seen += count;
  }

  /** An entry was looked at (stat): `bytes` more of the work. */
  scanned(bytes: number): void {
    ScanProgress.add(this.counts.scanned, bytes);
  }

  /** A file matched its cached fingerprint: it is not read. */
  unchanged(bytes: number): void {
    ScanProgress.add(this.counts.unchanged, bytes);
  }

  /** A file was read and hashed. */
  hashed(bytes: number): void {
    ScanProgress.add(this.counts.hashed, bytes);
  }

  /** The server answered about a file (recorded or confirmed, or checked in a dry run). */
  checked(bytes: number): void {
    ScanProgress.add(this.counts.checked, bytes);
  }

  /** A file is recorded; `created` when that made a new version. */
  recorded(created: boolean): void {
    this.counts.recorded++;
    if (created) this.counts.newVersions++;
  }

  /** A file's content was sent (a resumable upload continued from `resumedFrom`, when it did). */
  uploaded(path: string, sha256: string, bytes: number, resumedFrom = 0): void {
    ScanProgress.add(this.counts.uploaded, bytes);
    this.emit({ event: 'uploaded', path, sha256, bytes, ...(resumedFrom > 0 ? { resumed_from: resumedFrom } : {}) });
  }

  /** A resumable upload moved on: `sent` more of its bytes are on the server, and `size` more are under way. */
  sending(sent: number, size = 0): void {
    this.counts.sending.sent += sent;
    this.counts.sending.size += size;
  }

  /** A file's content was stored already (or sent once in this run): not sent. */
  deduplicated(bytes: number): void {
    ScanProgress.add(this.counts.deduplicated, bytes);
  }

  /** A dry run would send this content. */
  wouldUpload(bytes: number): void {
    ScanProgress.add(this.counts.wouldUpload, bytes);
  }

  /** A path recorded before is gone, and the server was told. */
  deleted(path: string): void {
    this.counts.deleted++;
    this.emit({ event: 'deleted', path });
  }

  skipped(path: string, reason: string): void {
    this.counts.skipped++;
    this.count(reason);
    this.emit({ event: 'skipped', path, reason });
  }

  failed(path: string, reason: string): void {
    this.counts.failed++;
    this.count(reason);
    this.emit({ event: 'failed', path, reason });
  }

  /** Every root has been walked: `scanned` is the whole of the work. */
  walkFinished(): void {
    this.counts.walkDone = true;
  }

  /**
   * Takes note of an error that ends the run when it means no request can succeed; returns true if it did.
   */
  stopOn(err: unknown): boolean {
    if (err instanceof HoardError && FATAL.has(err.code)) {
      this.fatal ??= err;
      return true;
    }
    return false;
  }

  emit(event: ScanEvent): void {
    this.listener(event);
  }

  /** The end of the run, as CLI.md's summary says it. */
  summary(): ScanSummary {
    const p = this.counts;
    return {
      event: 'summary',
      dry_run: this.dryRun,
      seen: p.seen,
      unchanged: p.unchanged.files,
      hashed: { ...p.hashed },
      recorded: p.recorded,
      new_versions: p.newVersions,
      uploaded: { ...p.uploaded },
      deduplicated: { ...p.deduplicated },
      ...(this.dryRun ? { would_upload: { ...p.wouldUpload } } : {}),
      deleted: p.deleted,
      skipped: p.skipped,
      failed: p.failed,
      reasons: { ...this.reasons },
      elapsed_ms: Date.now() - p.startedAt,
    };
  }

  private count(reason: string): void {
    const key = reason.replace(/ \(.*\)$/, '');
    this.reasons[key] = (this.reasons[key] ?? 0) + 1;
  }
}
