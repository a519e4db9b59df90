import { fitLine } from './fit-line';
import { compactBytes, compactCount, formatBytes, formatEta } from './format';
import { LiveStatus } from './live-status';
import { etaMs, RateMeter } from './rate-meter';

/** Live counters of a download (`get`) or a restore, read by {@link TransferProgressView}. */
export class TransferProgress {
  /** Files and bytes to transfer, once known. */
  totalFiles: number | null = null;
  totalBytes: number | null = null;
  /** Files done and bytes received so far (partial files included). */
  files = 0;
  bytes = 0;
  skipped = 0;
  failed = 0;
}

/**
 * The live status of a transfer on stderr (see {@link LiveStatus}): files and bytes done out of the total, the rate
 * over the last seconds and the time left, fitted to the terminal's width.
 */
export class TransferProgressView {
  private readonly status: LiveStatus;
  private readonly rate = new RateMeter();

  /** `verb` says what is done to the files (`restored`). */
  constructor(
    private readonly progress: TransferProgress,
    private readonly verb: string,
    stream: NodeJS.WriteStream = process.stderr,
    quiet = false,
  ) {
    this.status = new LiveStatus((width) => this.line(width), stream, { quiet });
  }

  start(): void {
    this.status.start();
  }

  stop(): void {
    this.status.stop();
  }

  note(text: string): void {
    this.status.note(text);
  }

  /** The status line for `width` columns (each call takes a sample of the rate). */
  line(width = Infinity): string {
    const p = this.progress;
    const perSecond = this.rate.sample(p.bytes);
    const of = (n: number | null, show: (v: number) => string) => (n === null ? '' : `/${show(n)}`);
    const left = p.totalBytes === null ? null : etaMs(p.totalBytes - p.bytes, perSecond);
    return fitLine(
      [
        // A single download (no file count known, none done) shows bytes only.
        p.totalFiles === null && p.files === 0
          ? { full: '', priority: 1 }
          : {
              full: `${this.verb} ${p.files}${of(p.totalFiles, String)} files`,
              short: `${compactCount(p.files)}${of(p.totalFiles, compactCount)} files`,
              priority: 1,
            },
        {
          full: `${formatBytes(p.bytes)}${of(p.totalBytes, formatBytes)}`,
          short: `${compactBytes(p.bytes)}${of(p.totalBytes, compactBytes)}`,
          priority: 2,
        },
        { full: `${formatBytes(Math.round(perSecond))}/s`, short: `${compactBytes(perSecond)}/s`, priority: 1 },
        { full: left === null ? '' : `ETA ${formatEta(left)}`, priority: 1 },
        { full: p.skipped ? `${p.skipped} skipped` : '', priority: 3 },
        { full: p.failed ? `${p.failed} failed` : '', short: p.failed ? `${p.failed} fail` : '', priority: 1 },
      ],
      width,
    );
  }
}
