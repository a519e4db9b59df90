import { FileMetadata } from '@app/contracts';
import { FileFingerprint } from '../../io/state-cache/cache-entry';
import { childPath } from '../../io/state-cache/cache-paths';
import { BoundedRunner } from '../concurrency/bounded-runner';
import { ConfirmBatch, RecordSource } from './confirm-batch';
import { metadataOf } from './file-classifier';
import { PendingRecord } from './scan-context';
import { ScanRecorder } from './scan-recorder';
import { STAT } from '@hoard/native';
import { DirReport } from '../walk/dir-reports';

/**
 * Files known to the server by record id are only confirmed (POST /api/v1/files/seen), not recorded again: a full
 * batch at a time, two requests at once at most.
 */
export class Confirmer {
  private batch = new ConfirmBatch();
  private readonly running = new BoundedRunner(2);

  constructor(private readonly recorder: ScanRecorder, private readonly batchSize: number) {}

  /** Adds file `at` of `source`; true when the batch is full and should be flushed. */
  addKnown(id: string, size: number, source: RecordSource, at: number): boolean {
    this.batch.addKnown(id, size, source, at);
    return this.batch.length >= this.batchSize;
  }

  /** Adds a record made already (its `recordId` set), sending the batch once it is full. */
  async add(item: PendingRecord): Promise<void> {
    this.batch.add(item);
    if (this.batch.length >= this.batchSize) await this.flush();
  }

  /** Sends the batch being filled, waiting while two requests are in flight. */
  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = new ConfirmBatch();
    await this.running.run(() => this.recorder.confirm(batch));
  }

  /** Sends what is left and waits for every answer. */
  async drain(): Promise<void> {
    await this.flush();
    await this.running.drain();
  }
}

/**
 * A file whose fingerprint matches its cached entry: its record (and fingerprint) are made only when a request
 * needs them, since most of these are only confirmed by record id.
 */
export class KnownFile implements PendingRecord {
  readonly fresh = false;
  cached = true;
  recordId: string | null;
  private built: FileMetadata | null = null;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly hostname: string,
    private readonly report: DirReport,
    private readonly at: number,
  ) {
    this.recordId = report.ids[at] || null;
  }

  get path(): string {
    return childPath(this.dir, this.name);
  }

  get meta(): FileMetadata {
    if (this.built) return this.built;
    const n = this.report.stats;
    const o = this.at * STAT.FIELDS;
    const sha256 = Buffer.from(this.report.digests.subarray(this.at * 32, this.at * 32 + 32)).toString('hex');
    const st = {
      size: n[o + STAT.SIZE], mtimeNs: n[o + STAT.MTIME_NS], ctimeNs: n[o + STAT.CTIME_NS], mode: n[o + STAT.MODE], uid: n[o + STAT.UID],
      gid: n[o + STAT.GID], atimeNs: n[o + STAT.ATIME_NS],
    };
    return (this.built = metadataOf(this.path, this.hostname, sha256, st));
  }

  get fp(): FileFingerprint {
    const n = this.report.stats;
    const o = this.at * STAT.FIELDS;
    return {
      size: n[o + STAT.SIZE], mtimeNs: n[o + STAT.MTIME_NS], ctimeNs: n[o + STAT.CTIME_NS],
      ino: BigInt.asUintN(64, n[o + STAT.INO]), dev: BigInt.asUintN(64, n[o + STAT.DEV]),
    };
  }
}
