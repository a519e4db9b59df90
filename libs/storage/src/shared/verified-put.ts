import type { Sha256 } from '@app/contracts';
import type { Readable } from 'node:stream';
import type { PutOptions, PutResult } from '../blob-store';
import { digestParts } from './digest-path';
import { checkPutOptions } from './hashing-meter';
import { verifyBody } from './verify-body';

/** What a driver does for `put`: whether it holds a digest, and how it stores content it does not hold yet. */
export interface PutDriver {
  /** Whether a verified blob of this digest is stored. */
  holds(sha: Sha256): Promise<boolean>;
  /**
   * Streams `body` into the store, hashing as it goes, and commits it under `sha` only when the digest matches
   * (`created` false when another upload committed it first). Cleans up its own temporary data on failure.
   */
  writeNew(sha: Sha256, body: Readable, options: PutOptions): Promise<{ size: number; created: boolean }>;
}

/**
 * The one `put` of every driver (as flydrive's Disk wraps its drivers): the digest and the options are checked, a
 * digest already held is verified against the body without touching the stored blob (a stored blob is never
 * replaced), anything else is written by the driver, and on any failure the body is destroyed.
 */
export async function verifiedPut(driver: PutDriver, sha256: Sha256, body: Readable, options: PutOptions = {}): Promise<PutResult> {
  try {
    const { sha } = digestParts(sha256);
    checkPutOptions(options);
    if (await driver.holds(sha)) return { sha256: sha, size: await verifyBody(sha, body, options), created: false };
    return { sha256: sha, ...(await driver.writeNew(sha, body, options)) };
  } catch (error) {
    body.destroy();
    throw error;
  }
}
