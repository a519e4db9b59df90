import { once } from 'node:events';

/**
 * Where a command writes: results on stdout (a table for people, NDJSON or JSON for programs), everything else
 * on stderr.
 */
export class Output {
  constructor(
    readonly json: boolean,
    /** No notes for people on stderr (`--quiet`): only results and errors. */
    readonly quiet = false,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** One JSON object on one line of stdout. */
  line(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** One JSON object on one line of stdout, resolving once stdout takes more (a long export waits for its reader). */
  async streamLine(value: unknown): Promise<void> {
    if (!this.stdout.write(`${JSON.stringify(value)}\n`)) await once(this.stdout, 'drain');
  }

  /** Text for people on stdout (tables, results). */
  print(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A note for people on stderr (none with --quiet). */
  note(text: string): void {
    if (this.quiet) return;
    this.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Resolves once stdout has room again: long listings wait for a slow reader instead of piling up in memory. */
  async drain(): Promise<void> {
    const out = this.stdout as NodeJS.WritableStream & { writableNeedDrain?: boolean };
    if (out.writableNeedDrain) await new Promise<void>((resolve) => out.once('drain', resolve));
  }

  /** Writes `value` as JSON when --json, else the human rendering. */
  result(value: unknown, human: () => string): void {
    if (this.json) this.line(value);
    else this.print(human());
  }
}
