import { ProgressView, ScanSummary, Tally } from '../core/scan/scan-events';
import { fitLine, Segment } from './fit-line';
import { compactBytes, compactCount, formatBytes, formatDuration, formatEta } from './format';
import { LiveStatus } from './live-status';
import { etaMs, RateMeter } from './rate-meter';

/**
 * The live status of a scan on stderr (see {@link LiveStatus}): files and bytes per stage (scanned, hashed, checked,
 * uploaded), the read and upload rates over the last seconds, and, once the walk is done, the time left to read
 * what remains. On a narrow terminal the stages shorten and the least useful parts go first; the upload stage and
 * the rates stay.
 */
export class ScanProgressView {
  private readonly status: LiveStatus;
  private readonly readRate = new RateMeter();
  private readonly sendRate = new RateMeter();

  constructor(
    private readonly progress: ProgressView,
    stream: NodeJS.WriteStream = process.stderr,
    quiet = false,
  ) {
    // Plain lines start once the server has answered, so a run that cannot reach it ends with its one error line.
    this.status = new LiveStatus((width) => this.line(width), stream, { quiet, plainWhen: () => progress.checked.files > 0 });
  }

  start(): void {
    this.status.start();
  }

  /** Stops the live status; safe to call twice. */
  stop(): void {
    this.status.stop();
  }

  /** Writes a message above the live status without breaking it. */
  note(text: string): void {
    this.status.note(text);
  }

  /** The status line for `width` columns (each call takes a sample of the rates). */
  line(width = Infinity): string {
    const p = this.progress;
    const read = this.readRate.sample(p.hashed.bytes);
    const sent = this.sendRate.sample(p.uploaded.bytes);
    const stage = (name: string, short: string, t: Tally, priority: number, bytes = true): Segment => ({
      full: `${name} ${t.files}${bytes ? ` (${formatBytes(t.bytes)})` : ''}`,
      short: `${short} ${compactCount(t.files)}${bytes ? ` ${compactBytes(t.bytes)}` : ''}`,
      priority,
    });
    const left = p.walkDone ? etaMs(p.scanned.bytes - p.unchanged.bytes - p.hashed.bytes, read) : null;
    return fitLine(
      [
        stage('scanned', 'scan', p.scanned, 4, false),
        stage('hashed', 'hash', p.hashed, 2),
        stage('checked', 'chk', p.checked, 3, false),
        stage('uploaded', 'up', p.uploaded, 1),
        { full: `read ${formatBytes(Math.round(read))}/s`, short: `rd ${compactBytes(read)}/s`, priority: 2 },
        { full: `sent ${formatBytes(Math.round(sent))}/s`, short: `tx ${compactBytes(sent)}/s`, priority: 1 },
        { full: left === null ? '' : `ETA ${formatEta(left)}`, priority: 2 },
        { full: p.failed ? `${p.failed} failed` : '', short: p.failed ? `${p.failed} fail` : '', priority: 1 },
      ],
      width,
    );
  }
}

/** The end-of-scan summary for people. */
export function renderSummary(s: ScanSummary): string {
  const t = (x: { files: number; bytes: number }) => `${x.files} files (${formatBytes(x.bytes)})`;
  const lines = [
    `${s.dry_run ? 'Dry run: nothing was changed on the server.\n' : ''}Files seen:    ${s.seen}`,
    `Unchanged:     ${s.unchanged} (not read)`,
    `Hashed:        ${t(s.hashed)}`,
    `Recorded:      ${s.recorded} (${s.new_versions} new versions)`,
    s.would_upload ? `Would upload:  ${t(s.would_upload)}` : `Uploaded:      ${t(s.uploaded)}`,
    `Deduplicated:  ${t(s.deduplicated)} not sent`,
    `Deleted:       ${s.deleted}`,
    `Skipped:       ${s.skipped}`,
    `Failed:        ${s.failed}`,
  ];
  for (const [reason, n] of Object.entries(s.reasons)) lines.push(`  ${n} × ${reason}`);
  lines.push(`Elapsed:       ${formatDuration(s.elapsed_ms)}`);
  if (s.scan_id !== undefined) lines.push(`Scan run:      ${s.scan_id}`);
  return lines.join('\n') + '\n';
}
