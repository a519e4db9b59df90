/** Events a scan reports, one per file that needs a word (the NDJSON of `--json`). */
export type ScanEvent =
  | { event: 'uploaded'; path: string; sha256: string; bytes: number }
  | { event: 'skipped'; path: string; reason: string }
  | { event: 'failed'; path: string; reason: string }
  | { event: 'deleted'; path: string };

/** Files and bytes that went through a stage. */
export interface Tally {
  files: number;
  bytes: number;
}

/** Live counters of a scan, read by the progress display while the scan runs; kept by ScanContext. */
export class ScanProgress {
  readonly startedAt = Date.now();
  /** Entries the walk gave (every kind, those that could not be looked at too). */
  seen = 0;
  /** Entries found by the walker (every kind). */
  readonly scanned: Tally = { files: 0, bytes: 0 };
  /** Files read and hashed. */
  readonly hashed: Tally = { files: 0, bytes: 0 };
  /** Files whose fingerprint matched the cache: not read. */
  readonly unchanged: Tally = { files: 0, bytes: 0 };
  /** Files the server answered about (recorded, or checked in a dry run). */
  readonly checked: Tally = { files: 0, bytes: 0 };
  /** Files whose content was sent. */
  readonly uploaded: Tally = { files: 0, bytes: 0 };
  /** Files newly read whose content was already stored (or sent once in this run): bytes not sent. */
  readonly deduplicated: Tally = { files: 0, bytes: 0 };
  /** Content a dry run would have sent. */
  readonly wouldUpload: Tally = { files: 0, bytes: 0 };
  /** Set once every root has been walked: `scanned` is then the whole of the work. */
  walkDone = false;
  recorded = 0;
  newVersions = 0;
  deleted = 0;
  skipped = 0;
  failed = 0;

  static add(tally: Tally, bytes: number): void {
    tally.files++;
    tally.bytes += bytes;
  }
}

/** The counters as the display and the summary read them (the scan's stages change them through ScanContext). */
export type ProgressView = { readonly [K in keyof ScanProgress]: ScanProgress[K] extends Tally ? Readonly<Tally> : ScanProgress[K] };

/** The end of a scan: the summary of CLI.md. */
export interface ScanSummary {
  event: 'summary';
  dry_run: boolean;
  seen: number;
  unchanged: number;
  hashed: Tally;
  recorded: number;
  new_versions: number;
  uploaded: Tally;
  deduplicated: Tally;
  would_upload?: Tally;
  deleted: number;
  skipped: number;
  failed: number;
  /** Counts of skip and failure reasons. */
  reasons: Record<string, number>;
  elapsed_ms: number;
  /** The scan run on the server, when it keeps them. */
  scan_id?: string;
}

/** Receives the scan's events as they happen. */
export type ScanListener = (event: ScanEvent) => void;
