import { STAT } from '@hoard/native';
import { FileMetadata } from '@app/contracts';
import { FileFingerprint } from '../../io/state-cache/cache-entry';
import { childPath } from '../../io/state-cache/cache-paths';
import { DirReport } from '../walk/dir-reports';
import { metadataOf } from './file-classifier';
import { PendingRecord } from './scan-context';

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
      size: n[o + STAT.SIZE],
      mtimeNs: n[o + STAT.MTIME_NS],
      ctimeNs: n[o + STAT.CTIME_NS],
      mode: n[o + STAT.MODE],
      uid: n[o + STAT.UID],
      gid: n[o + STAT.GID],
      atimeNs: n[o + STAT.ATIME_NS],
    };
    return (this.built = metadataOf(this.path, this.hostname, sha256, st));
  }

  get fp(): FileFingerprint {
    const n = this.report.stats;
    const o = this.at * STAT.FIELDS;
    return {
      size: n[o + STAT.SIZE],
      mtimeNs: n[o + STAT.MTIME_NS],
      ctimeNs: n[o + STAT.CTIME_NS],
      ino: BigInt.asUintN(64, n[o + STAT.INO]),
      dev: BigInt.asUintN(64, n[o + STAT.DEV]),
    };
  }
}
