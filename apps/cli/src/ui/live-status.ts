import type { Ora } from 'ora';

/** How a live status is drawn. */
export interface LiveStatusOptions {
  /** Draw nothing (`--quiet`). */
  quiet?: boolean;
  /** Without a terminal, a plain line this often (default 5 s) ... */
  plainEveryMs?: number;
  /** ... once this holds (default always), so that a run failing at once ends with its one error line. */
  plainWhen?: () => boolean;
}

/**
 * One live status line on stderr: an ora spinner redrawn in place on a terminal, fitted to its width; a plain line
 * every few seconds otherwise. `render(width)` gives the line for a width (Infinity when nothing limits it).
 */
export class LiveStatus {
  private spinner: Ora | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly render: (width: number) => string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly options: LiveStatusOptions = {},
  ) {}

  start(): void {
    if (this.options.quiet || this.timer) return;
    if (this.stream.isTTY) {
      // Loaded only for a terminal: it is a good part of the CLI's start.
      const ora = require('ora') as typeof import('ora');
      this.spinner = ora({ text: this.fitted(), stream: this.stream }).start();
      this.timer = setInterval(() => this.spinner && (this.spinner.text = this.fitted()), 200);
    } else {
      const when = this.options.plainWhen ?? (() => true);
      this.timer = setInterval(() => when() && this.stream.write(`${this.render(Infinity)}\n`), this.options.plainEveryMs ?? 5000);
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
    if (this.options.quiet) return;
    if (this.spinner) {
      this.spinner.clear();
      this.stream.write(`${text}\n`);
      this.spinner.render();
    } else this.stream.write(`${text}\n`);
  }

  /** The line for the terminal's width, less the spinner and the space after it. */
  private fitted(): string {
    return this.render((this.stream.columns || 80) - 3);
  }
}
