import { isSha256 } from '@app/contracts';

/** At most this many digests are listed per problem in a result (and in a checkpoint); the counts go on. */
export const LISTED_AT_MOST = 1000;

/** What checking one digest found. */
export type Verdict =
  /** Stored, and its bytes are exactly the content of its digest. */
  | { kind: 'ok'; bytes: number }
  /** Stored, but its bytes are not the content (another digest, too short, too long, an unreadable pack entry). */
  | { kind: 'corrupt'; bytes: number; detail: string }
  /** The registry says it is stored; the store has no copy. */
  | { kind: 'missing'; detail: string }
  /** Gone for a reason that is no fault (taken down, collected, quarantined by a reader) while the scrub passed. */
  | { kind: 'skipped' };

/**
 * Where a scrub is in its walk: first the packs in ascending id order, each entry by entry in offset order (every
 * pack with a smaller id than `pack` is done, and of `pack` every entry up to `offset`), then the loose blobs in
 * ascending digest order (every digest up to `after` is done).
 */
export type ScrubPosition = { stage: 'packs'; pack: string; offset: number } | { stage: 'loose'; after: string };

/** What a scrub saves with its job to continue after a restart: where it stopped and what it had found by then. */
export interface ScrubCheckpoint {
  stage: 'packs' | 'loose';
  /** Packs stage: the pack of the last entry done ('' before the first) and that entry's offset. */
  pack: string;
  offset: number;
  /** Loose stage: every digest up to this one (inclusive) is done ('' before the first). */
  after: string;
  blobs_checked: number;
  bytes_checked: number;
  corrupt: string[];
  missing: string[];
  corrupt_count: number;
  missing_count: number;
}

const COUNTS = ['blobs_checked', 'bytes_checked', 'corrupt_count', 'missing_count'] as const;
const PACK_ID = /^[0-9a-f]{32}$/;

/**
 * The running totals of a scrub: the counts, the first {@link LISTED_AT_MOST} digests found corrupt and missing,
 * and its position. What a checkpoint saves is exactly this, so that a scrub resumed after a restart ends with the
 * totals of one uninterrupted pass.
 */
export class ScrubTally {
  private constructor(private readonly state: ScrubCheckpoint) {}

  static fresh(): ScrubTally {
    return new ScrubTally({
      stage: 'packs',
      pack: '',
      offset: -1,
      after: '',
      blobs_checked: 0,
      bytes_checked: 0,
      corrupt: [],
      missing: [],
      corrupt_count: 0,
      missing_count: 0,
    });
  }

  /**
   * The tally a checkpoint saved, or null when `saved` is not one (then the scrub starts over). A checkpoint of a
   * server that walked everything in digest order (no `stage`) is not one: it does not say which packs were read.
   */
  static resume(saved: unknown): ScrubTally | null {
    if (typeof saved !== 'object' || saved === null) return null;
    const s = saved as Partial<Record<keyof ScrubCheckpoint, unknown>>;
    const digests = (list: unknown): list is string[] => Array.isArray(list) && list.length <= LISTED_AT_MOST && list.every(isSha256);
    const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
    if (s.stage !== 'packs' && s.stage !== 'loose') return null;
    if (!(s.pack === '' || (typeof s.pack === 'string' && PACK_ID.test(s.pack))) || !(s.offset === -1 || count(s.offset))) return null;
    if (!(s.after === '' || isSha256(s.after)) || !digests(s.corrupt) || !digests(s.missing)) return null;
    if (!COUNTS.every((name) => count(s[name]))) return null;
    return new ScrubTally({
      stage: s.stage,
      pack: s.pack as string,
      offset: s.offset as number,
      after: (s.after as string).toLowerCase(),
      blobs_checked: s.blobs_checked as number,
      bytes_checked: s.bytes_checked as number,
      corrupt: [...s.corrupt],
      missing: [...s.missing],
      corrupt_count: s.corrupt_count as number,
      missing_count: s.missing_count as number,
    });
  }

  get position(): ScrubPosition {
    const s = this.state;
    return s.stage === 'packs' ? { stage: 'packs', pack: s.pack, offset: s.offset } : { stage: 'loose', after: s.after };
  }

  get blobsChecked(): number {
    return this.state.blobs_checked;
  }

  get bytesChecked(): number {
    return this.state.bytes_checked;
  }

  /** Every pack is done: the walk goes on with the loose blobs, from the first. */
  packsDone(): void {
    this.state.stage = 'loose';
    this.state.after = '';
  }

  /** Counts what was found of `sha256`, the next item of the walk, at `at` (the stage it is in). */
  add(sha256: string, verdict: Verdict, at: { pack: string; offset: number } | { after: string }): void {
    const s = this.state;
    if ('after' in at) s.after = at.after;
    else [s.pack, s.offset] = [at.pack, at.offset];
    if (verdict.kind === 'skipped') return;
    s.blobs_checked++;
    if (verdict.kind !== 'missing') s.bytes_checked += verdict.bytes;
    if (verdict.kind === 'corrupt') {
      if (s.corrupt.length < LISTED_AT_MOST) s.corrupt.push(sha256);
      s.corrupt_count++;
    } else if (verdict.kind === 'missing') {
      if (s.missing.length < LISTED_AT_MOST) s.missing.push(sha256);
      s.missing_count++;
    }
  }

  /** A copy of the state, to save. */
  checkpoint(): ScrubCheckpoint {
    return { ...this.state, corrupt: [...this.state.corrupt], missing: [...this.state.missing] };
  }

  /**
   * The job's result (API.md: `blobs_checked`, `bytes_checked`, `corrupt`, `missing`, with their full counts); the
   * digests in ascending order, whichever stage found them.
   */
  result(): Record<string, unknown> {
    const { stage: _stage, pack: _pack, offset: _offset, after: _after, ...result } = this.checkpoint();
    return { ...result, corrupt: result.corrupt.sort(), missing: result.missing.sort() };
  }
}
