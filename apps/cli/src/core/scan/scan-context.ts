import { ErrorCode, FileMetadata, HoardError } from '@app/contracts';
import { HoardClient } from '@app/client';
import { FileFingerprint } from '../../io/state-cache/cache-entry';
import { StateCache } from '../../io/state-cache/state-cache';
import { ScanEvent, ScanListener, ScanProgress } from './scan-events';

/** Errors after which no request of the run can succeed; a full blob store (507) stops the uploads, never retried. */
const FATAL = new Set<ErrorCode>(['unauthorized', 'forbidden', 'unavailable', 'insufficient_storage']);

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

/** What the stages of one scan share: the client, the cache, the counters and the event sink. */
export class ScanContext {
  readonly progress = new ScanProgress();
  readonly reasons: Record<string, number> = {};
  /** Set when the server cannot be used at all (unreachable, key rejected): the scan stops. */
  fatal: Error | null = null;

  constructor(
    readonly client: HoardClient,
    readonly cache: StateCache | null,
    readonly hostname: string,
    readonly dryRun: boolean,
    private readonly listener: ScanListener,
  ) {}

  skipped(path: string, reason: string): void {
    this.progress.skipped++;
    this.count(reason);
    this.emit({ event: 'skipped', path, reason });
  }

  failed(path: string, reason: string): void {
    this.progress.failed++;
    this.count(reason);
    this.emit({ event: 'failed', path, reason });
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

  private count(reason: string): void {
    const key = reason.replace(/ \(.*\)$/, '');
    this.reasons[key] = (this.reasons[key] ?? 0) + 1;
  }
}
