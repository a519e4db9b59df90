import { lstatSync, readlinkSync } from 'node:fs';
import { FileRecord } from '@app/contracts';
import { HoardClient } from '@app/client';
import { childPath } from '../../io/state-cache/cache-paths';
import { BoundedRunner } from '../concurrency/bounded-runner';
import { HashPool } from '../concurrency/hash-pool';
import { ScanWalker } from '../walk/scan-walker';

/** A difference between a local path and what the server holds for it. */
export type VerifyEvent =
  | { event: 'changed'; path: string; reason: string; recorded_sha256: string; local_sha256?: string }
  | { event: 'missing'; path: string; reason: string; recorded_sha256: string }
  | { event: 'unrecorded'; path: string; reason: string }
  | { event: 'unavailable'; path: string; reason: string; recorded_sha256: string };

export interface VerifySummary {
  event: 'summary';
  /** Local files and links compared. */
  checked: number;
  matching: number;
  changed: number;
  missing: number;
  unrecorded: number;
  unavailable: number;
  elapsed_ms: number;
}

export interface VerifyOptions {
  hostname: string;
  excludes: string[];
  includes: string[];
  /** List with the native scanner where it was built (default true). */
  native?: boolean;
}

/**
 * Compares local files with what the server holds for this host, uploading nothing: every regular file is read and
 * hashed (on worker threads) and its digest compared with its current record; a symlink's target with the record's.
 * Reports files that changed, records whose file is missing here, files never recorded, and records whose content
 * the server cannot give back.
 */
export class VerifyRunner {
  private readonly summary: VerifySummary = {
    event: 'summary',
    checked: 0,
    matching: 0,
    changed: 0,
    missing: 0,
    unrecorded: 0,
    unavailable: 0,
    elapsed_ms: 0,
  };

  constructor(
    private readonly client: HoardClient,
    private readonly pool: HashPool,
    private readonly options: VerifyOptions,
    private readonly listener: (e: VerifyEvent) => void,
  ) {}

  async run(roots: string[]): Promise<VerifySummary> {
    const started = Date.now();
    for (const root of roots) await this.verifyRoot(root);
    this.summary.elapsed_ms = Date.now() - started;
    return this.summary;
  }

  private async verifyRoot(root: string): Promise<void> {
    const records = new Map<string, FileRecord>();
    for await (const record of this.client.iterateFiles({ hostname: this.options.hostname, path_prefix: root }))
      records.set(record.filepath, record);
    const runner = new BoundedRunner(64);
    const walker = new ScanWalker({
      excludes: this.options.excludes,
      includes: this.options.includes,
      followSymlinks: false,
      native: this.options.native,
    });
    for (const listing of walker.walk(root)) {
      for (const name of listing.files) {
        const path = childPath(listing.dir, name);
        const record = records.get(path);
        records.delete(path);
        await runner.run(() => this.compare(path, record));
      }
    }
    await runner.drain();
    // Records of paths the walk did not meet: missing, unless the path is there (excluded, or in an unreadable place).
    for (const record of records.values()) {
      if (exists(record.filepath)) continue;
      this.summary.missing++;
      this.listener({ event: 'missing', path: record.filepath, reason: 'recorded, but not found here', recorded_sha256: record.sha256 });
    }
  }

  private async compare(path: string, record: FileRecord | undefined): Promise<void> {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (!st.isFile() && !st.isSymbolicLink()) return;
    this.summary.checked++;
    if (!record) {
      this.summary.unrecorded++;
      return this.listener({ event: 'unrecorded', path, reason: 'not recorded on the server' });
    }
    const changed = (reason: string, local_sha256?: string) => {
      this.summary.changed++;
      this.listener({ event: 'changed', path, reason, recorded_sha256: record.sha256, ...(local_sha256 ? { local_sha256 } : {}) });
    };
    if (st.isSymbolicLink()) {
      if (record.type !== 'symlink') return changed('a symbolic link here, a file on the server');
      if (readlinkSync(path) !== record.link_target) return changed(`points to ${readlinkSync(path)}, recorded ${record.link_target}`);
    } else {
      if (record.type === 'symlink') return changed('a file here, a symbolic link on the server');
      if (st.size !== record.size) return changed(`size ${st.size} here, ${record.size} recorded`);
      const local = await this.pool.hash(path, { noFollow: true }).then(
        (r) => r.sha256,
        () => null,
      );
      if (local === null) return changed('cannot be read here');
      if (local !== record.sha256) return changed('content differs from the recorded version', local);
      if (!record.content_available) {
        this.summary.unavailable++;
        return this.listener({
          event: 'unavailable',
          path,
          reason: 'the server cannot give its content back',
          recorded_sha256: record.sha256,
        });
      }
    }
    this.summary.matching++;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
