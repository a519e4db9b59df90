/**
 * Where a command writes: results on stdout (a table for people, NDJSON or JSON for programs), everything else
 * on stderr.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** One JSON object on one line of stdout. */
  line(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Text for people on stdout (tables, results). */
  print(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A note for people on stderr. */
  note(text: string): void {
    this.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes `value` as JSON when --json, else the human rendering. */
  result(value: unknown, human: () => string): void {
    if (this.json) this.line(value);
    else this.print(human());
  }
}
