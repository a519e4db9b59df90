import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { HoardError } from '@app/contracts';
import { StoredCopyCorrupt } from '@app/storage';

/** What a full read found wrong: bytes that hash to another digest, or more or fewer bytes than the content has. */
export type ReadProblem = 'corrupt' | 'truncated' | 'oversized';

/**
 * The error a verified read ends with when its bytes are not the content's. By then the content is quarantined: a
 * response that has not started yet answers `404` as later ones do; one under way is cut off.
 */
export class CorruptReadError extends HoardError {
  constructor(
    readonly problem: ReadProblem,
    sha256: string,
    detail: string,
  ) {
    super('not_found', `Content ${sha256} failed verification (${detail}) and was quarantined; it must be uploaded again`, {
      details: { sha256 },
    });
    this.name = 'CorruptReadError';
  }
}

/**
 * Streams a whole blob while hashing it, holding back its last chunk until the digest and the byte count are checked:
 * a reader never receives the complete content unless it is exactly the bytes of `sha256`. On a mismatch, a short
 * read or a read past `size`, `onProblem` is told once and awaited (it quarantines the content), then the stream
 * fails with a CorruptReadError, so that a response carrying it is cut off. Errors of the source pass through.
 */
export function verifiedRead(
  source: Readable,
  blob: { sha256: string; size: number },
  onProblem: (problem: ReadProblem, detail: string) => Promise<void>,
): Readable {
  const hash = createHash('sha256');
  let bytes = 0;
  let held: Buffer | null = null;
  const fail = (problem: ReadProblem, detail: string, callback: (error: Error) => void) => {
    const error = new CorruptReadError(problem, blob.sha256, detail);
    onProblem(problem, detail).then(
      () => callback(error),
      () => callback(error),
    );
  };
  const out = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > blob.size) return fail('oversized', `the stored copy holds more than ${blob.size} bytes`, callback);
      hash.update(chunk);
      const previous = held;
      held = chunk;
      callback(null, previous ?? undefined);
    },
    flush(callback) {
      if (bytes < blob.size) return fail('truncated', `the stored copy ended after ${bytes} of ${blob.size} bytes`, callback);
      const actual = hash.digest('hex');
      if (actual !== blob.sha256) return fail('corrupt', `the stored copy hashes to ${actual}`, callback);
      callback(null, held ?? undefined);
    },
  });
  source.once('error', (error) => {
    // A store that checks content itself (a packed entry) reports bad bytes before sending any: the same problem.
    if (error instanceof StoredCopyCorrupt) fail('corrupt', error.detail, (failure) => out.destroy(failure));
    else out.destroy(error);
  });
  out.once('close', () => source.destroy());
  source.pipe(out);
  return out;
}
