import type { CreateScanRequest, ScanRun, UpdateScanRequest } from '@app/contracts';
// The error class alone, not the client's index: that would load the HTTP stack before scan starts its walk.
import { HoardHttpError } from '@app/client/hoard-http.error';
import type { ProgressView } from './scan-events';

/** What reporting needs of the client. */
export interface RunReportClient {
  openScan(request: CreateScanRequest): Promise<ScanRun>;
  reportScan(id: string, request: UpdateScanRequest): Promise<ScanRun>;
}

/** How a reported scan ended. */
export type RunEnd = 'succeeded' | 'failed' | 'cancelled';

/** Failures sent with the close: the server keeps no more, and counts the rest from `files_failed`. */
const FAILURES_SENT = 1000;

/** How often progress is reported by default. */
export const REPORT_INTERVAL_MS = 5000;

/**
 * A scan's run on the server: opened before the scan, told the scan's counters on a timer, closed with its end state
 * and failures. The scan's hot path does nothing for it: the timer reads the live counters, and only a failure
 * (rare) is noted. One reporter per run, so a caller with several batches (watch) opens one per batch.
 *
 * Reporting never stops a scan: a server without the scans route (older) means no run; a report that fails is
 * dropped (the next one carries the same absolute counts).
 */
export class RunReporter {
  private timer?: NodeJS.Timeout;
  private inFlight: Promise<unknown> | null = null;
  private readonly failures: Array<{ path: string; reason: string }> = [];
  private closed = false;

  private constructor(
    private readonly client: RunReportClient,
    /** The run's id, or null when the server keeps no runs. */
    readonly id: string | null,
    private readonly progress: ProgressView,
  ) {}

  /**
   * Opens a run and starts reporting every `intervalMs`. A server that answers 404 (no such route) or refuses the
   * key (a read-only key) gives a reporter that reports nothing; `onSkip` hears why.
   */
  static async open(
    client: RunReportClient,
    request: CreateScanRequest,
    progress: ProgressView,
    options: { intervalMs?: number; onSkip?: (why: string) => void } = {},
  ): Promise<RunReporter> {
    let id: string | null = null;
    try {
      id = (await client.openScan(request)).id;
    } catch (err) {
      if (!(err instanceof HoardHttpError) || ![403, 404, 405].includes(err.status)) throw err;
      options.onSkip?.(err.status === 403 ? 'this key may not report scan runs' : 'the server does not keep scan runs');
    }
    const reporter = new RunReporter(client, id, progress);
    if (id !== null) {
      reporter.timer = setInterval(() => reporter.tick(), options.intervalMs ?? REPORT_INTERVAL_MS);
      reporter.timer.unref();
    }
    return reporter;
  }

  /** A reporter of no run (a dry run changes nothing on the server, not even its runs). */
  static none(client: RunReportClient, progress: ProgressView): RunReporter {
    return new RunReporter(client, null, progress);
  }

  /** Notes a file the scan could not read or send. */
  fail(path: string, reason: string): void {
    if (this.failures.length < FAILURES_SENT) this.failures.push({ path, reason });
  }

  /** The counters as the server takes them. */
  counts(): Required<
    Pick<UpdateScanRequest, 'files_seen' | 'files_hashed' | 'bytes_hashed' | 'files_uploaded' | 'bytes_uploaded' | 'files_failed'>
  > {
    const p = this.progress;
    return {
      files_seen: p.seen,
      files_hashed: p.hashed.files,
      bytes_hashed: p.hashed.bytes,
      files_uploaded: p.uploaded.files,
      bytes_uploaded: p.uploaded.bytes,
      files_failed: p.failed,
    };
  }

  /**
   * Closes the run with its end state, the final counts and the failures; once. A close the server already took
   * (a retry after a lost answer: `conflict`) counts as done; other errors are thrown for the caller to note.
   */
  async close(state: RunEnd): Promise<void> {
    if (this.closed || this.id === null) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.inFlight;
    try {
      await this.client.reportScan(this.id, { ...this.counts(), failures: this.failures, state });
    } catch (err) {
      if (!(err instanceof HoardHttpError && err.status === 409)) throw err;
    }
  }

  /** One progress report, skipped while the previous one is still on its way. */
  private tick(): void {
    if (this.inFlight || this.closed || this.id === null) return;
    this.inFlight = this.client
      .reportScan(this.id, this.counts())
      .catch(() => undefined)
      .finally(() => (this.inFlight = null));
  }
}
