/** DI token of the configured {@link ScanRunStore}. */
export const SCAN_RUN_STORE = Symbol('SCAN_RUN_STORE');

/** Where a scan run is: `running` until the client closes it or it falls silent; the other three are final. */
export type ScanRunState = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** The states a run ends in: nothing changes a run once it is in one. */
export const FINAL_SCAN_STATES: readonly ScanRunState[] = ['succeeded', 'failed', 'cancelled'];

/** How many failures a run keeps; more are only counted (`failures_total`). */
export const MAX_SCAN_FAILURES = 1000;

/** The reason of a run that fell silent and was ended by the server. */
export const INTERRUPTED = 'interrupted';

/** What a scan went through, as its client last reported it. */
export interface ScanCounts {
  files_seen: number;
  files_hashed: number;
  bytes_hashed: number;
  files_uploaded: number;
  bytes_uploaded: number;
  files_failed: number;
}

export const NO_SCAN_COUNTS: ScanCounts = {
  files_seen: 0,
  files_hashed: 0,
  bytes_hashed: 0,
  files_uploaded: 0,
  bytes_uploaded: 0,
  files_failed: 0,
};

/** A file the scan could not read or send, and why. */
export interface ScanFailure {
  path: string;
  reason: string;
}

/** The program that ran the scan. */
export interface ScanClient {
  name: string;
  version: string;
}

/** One scan run of a host as stored. */
export interface ScanRunRecord {
  id: string;
  hostname: string;
  roots: string[];
  client: ScanClient;
  /** The key that opened the run: the only one that may report on it. */
  key_id: string;
  state: ScanRunState;
  counts: ScanCounts;
  /** At most {@link MAX_SCAN_FAILURES}, the first ones reported. */
  failures: ScanFailure[];
  /** How many failures were reported in all. */
  failures_total: number;
  /** Why the run ended as it did when the server ended it (`interrupted`), else null. */
  reason: string | null;
  started_at: Date;
  updated_at: Date;
  ended_at: Date | null;
}

export interface NewScanRun {
  hostname: string;
  roots: string[];
  client: ScanClient;
  key_id: string;
}

/** A report on a running scan: counts replace the ones stored, failures are added to them, a state ends it. */
export interface ScanRunUpdate {
  counts?: ScanCounts;
  failures?: ScanFailure[];
  state?: Exclude<ScanRunState, 'running'>;
}

export interface ScanRunQuery {
  hostname?: string;
  /** Only runs of these hostnames; with `hostname` too, both must hold. Empty: none. */
  hostnames?: readonly string[];
  state?: ScanRunState;
  /** 1..1000 */
  limit: number;
  /** Opaque cursor returned as `nextCursor` by a previous call. */
  cursor?: string;
}

export interface ScanRunPage {
  items: ScanRunRecord[];
  nextCursor: string | null;
}

/** What the store knows of one host: its live files, its latest run and its latest successful run. */
export interface HostRecord {
  hostname: string;
  files: number;
  logical_bytes: number;
  last_scan: ScanRunRecord | null;
  last_success_at: Date | null;
}

/**
 * Scan runs: what each host's scans did, and the hosts seen by files or runs. Adapters: sqlite, mongodb. Every write
 * is conditional on the run still running, so two instances (or a report racing the silence sweep) never both end
 * one run; `HoardError('unavailable')` when the database cannot be reached.
 */
export interface ScanRunStore {
  createScanRun(run: NewScanRun, now: Date): Promise<ScanRunRecord>;
  getScanRun(id: string): Promise<ScanRunRecord | null>;
  /** Newest first, filtered by hostname and state. `HoardError('invalid_request')` for a malformed cursor. */
  listScanRuns(query: ScanRunQuery): Promise<ScanRunPage>;
  /**
   * Applies a report to a running run (failures kept up to {@link MAX_SCAN_FAILURES}, all counted) and sets its
   * `updated_at` (and `ended_at` when a state ends it). Null when there is no such run or it is no longer running.
   */
  updateScanRun(id: string, update: ScanRunUpdate, now: Date): Promise<ScanRunRecord | null>;
  /** Ends every running run not updated since `silentSince` as `failed`/`interrupted`; returns how many. */
  interruptSilentScanRuns(silentSince: Date, now: Date): Promise<number>;
  /** Every host with live files or a scan run, by hostname. */
  listHosts(): Promise<HostRecord[]>;
  /** How many runs are in each state (states without runs are absent). */
  countScanRuns(): Promise<Partial<Record<ScanRunState, number>>>;
}
