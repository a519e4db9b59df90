import type { Ora } from 'ora';
import { ScanProgress, ScanSummary } from '../core/scan-events';
import { formatBytes, formatDuration, formatRate } from './format';

/**
 * The live status of a scan on stderr: an ora spinner on a TTY, a plain line every few seconds otherwise. It
 * shows files and bytes per stage (scanned, hashed, checked, uploaded) and the read and upload rates.
 */
export class ScanProgressView {
  private spinner: Ora | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly progress: ScanProgress, private readonly stream: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {}

  start(): void {
    if (this.quiet) return;
    if (this.stream.isTTY) {
      // Loaded only for a terminal: it is a good part of the CLI's start.
      const ora = require('ora') as typeof import('ora');
      this.spinner = ora({ text: this.fitted(), stream: this.stream }).start();
      this.timer = setInterval(() => this.spinner && (this.spinner.text = this.fitted()), 200);
    } else {
      // Plain lines start once the server has answered, so a run that cannot reach it ends with its one error line.
      this.timer = setInterval(() => this.progress.checked.files > 0 && this.stream.write(`${this.line()}\n`), 5000);
    }
    this.timer.unref();
  }

  /** Stops the spinner or the periodic lines; safe to call twice. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.spinner?.stop();
    this.spinner = null;
  }

  /** Writes a message above the live status without breaking it. */
  note(text: string): void {
    if (this.quiet) return;
    if (this.spinner) {
      this.spinner.clear();
      this.stream.write(`${text}\n`);
      this.spinner.render();
    } else this.stream.write(`${text}\n`);
  }

  /** The status line cut to the terminal's width, so the spinner redraws in place. */
  private fitted(): string {
    const width = (this.stream.columns || 120) - 3;
    const line = this.line();
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  }

  /** The status line. */
  line(): string {
    const p = this.progress;
    const ms = Date.now() - p.startedAt;
    const stage = (name: string, t: { files: number; bytes: number }) => `${name} ${t.files} (${formatBytes(t.bytes)})`;
    return [
      stage('scanned', p.scanned),
      stage('hashed', p.hashed),
      stage('checked', p.checked),
      stage('uploaded', p.uploaded),
      `read ${formatRate(p.hashed.bytes, ms)}`,
      `sent ${formatRate(p.uploaded.bytes, ms)}`,
      p.failed ? `${p.failed} failed` : '',
    ]
      .filter(Boolean)
      .join(' · ');
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
  return lines.join('\n') + '\n';
}
