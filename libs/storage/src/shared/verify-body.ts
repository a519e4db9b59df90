import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PutOptions } from '../blob-store';
import { HashingMeter } from './hashing-meter';
import { classifyPutFailure, digestMismatch } from './store-errors';

/**
 * Hashes a body without keeping it, for an upload of a blob that is already stored: the answer must still be
 * truthful (a wrong body is a mismatch), but the stored blob is never touched. Resolves with the body's size.
 */
export async function verifyBody(sha: string, body: Readable, options: PutOptions): Promise<number> {
  const meter = new HashingMeter(options);
  const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  try {
    await pipeline(body, meter, discard);
  } catch (error) {
    throw classifyPutFailure(error, undefined, 'verify');
  }
  const actual = meter.digest();
  if (actual !== sha) throw digestMismatch(sha, actual);
  return meter.bytes;
}
