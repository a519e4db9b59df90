import { Injectable } from '@nestjs/common';
import { ErrorCode, HoardError, isSha256, LIMITS, normalizeSha256, PackItemResult } from '@app/contracts';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { inPackBatch, type PackBatch, type PutBatch } from '@app/storage';
import { ServerSettings } from '../config/server-settings';
import { TenantScope } from '../auth/tenant-scope';
import { BlobsService } from './blobs.service';
import { PackSlots } from './pack-slots';

/** Pack parts being stored at once, across all requests: each holds an open file until its flush is done. */
export const PACK_SLOTS = 256;

/** Errors that refuse one part of a pack and let the others through; any other error fails the request. */
const PER_PART: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['invalid_digest', 'digest_mismatch', 'payload_too_large', 'gone']);

/** The bytes of a file part; `truncated` once the reader cut it at the blob size limit. */
export type PackFile = Readable & { truncated?: boolean };

/** One part of a pack, as read from its request. */
export interface PackPart {
  /** Its name: the digest it claims to be. */
  name: string;
  /** Its bytes, or null when it is not a file part (no file name). */
  file: PackFile | null;
}

/** A pack being read, part by part. */
export interface PackSource {
  /** The next part, or null at the end of the body. @throws HoardError when the body is not well-formed */
  next(): Promise<PackPart | null>;
  /** How many parts the body held, once read to its end: those the reader could not name (no Content-Disposition) too. */
  partCount(): number;
}

/**
 * The pack upload: up to 1,000 blobs in one request, each part verified and stored on its own exactly as a PUT of
 * that blob. A part that does not hash to its name, is over the size limit or comes after the 1,000th is refused in
 * its item while the others are stored. Once a part's bytes are read the next one is read while the first is
 * flushed (up to {@link PACK_SLOTS} across all requests); a part naming a digest an earlier part named waits for that
 * one, so results follow part order (`created` true, then false). A part that is not a file makes the answer a
 * `400` whose `details.items` still say what became of every other part.
 */
@Injectable()
export class PackUploadService {
  private readonly slots = new PackSlots(PACK_SLOTS);

  constructor(
    private readonly blobs: BlobsService,
    private readonly settings: ServerSettings,
  ) {}

  /**
   * Stores every part of `pack`; resolves one item per part, in part order.
   * @param clientGone whether the client went away before sending its whole body (see BlobsService.put)
   * @param scope the key's tenants (see BlobsService.put)
   * @throws HoardError invalid_request (with `details.items`) when a part is not a file; any error that is not a
   *   single part's (the store is down, say), once the parts already read are committed
   */
  async store(pack: PackSource, clientGone: () => boolean = () => false, scope: TenantScope = TenantScope.ALL): Promise<PackItemResult[]> {
    // The parts are one batch: the store flushes them together once the last is read, not a few at a time.
    return inPackBatch((batch) => this.storeParts(pack, clientGone, scope, batch));
  }

  private async storeParts(pack: PackSource, clientGone: () => boolean, scope: TenantScope, batch: PackBatch): Promise<PackItemResult[]> {
    const results: PackItemResult[] = [];
    const committing = new Set<Promise<void>>();
    const lastOf = new Map<string, Promise<void>>();
    let fatal: unknown = null;
    let notFile: string | null = null;
    try {
      for (let part = await pack.next(); part; part = await pack.next()) {
        const { name, file } = part;
        const index = results.length;
        if (!file) {
          notFile = `part ${index + 1} ("${name}") has no file name`;
          results.push({ sha256: name, error: { code: 'invalid_request', message: 'not a file part: not stored' } });
          continue;
        }
        if (index >= LIMITS.packMax) {
          results.push({
            sha256: name,
            error: { code: 'payload_too_large', message: `a pack carries at most ${LIMITS.packMax} parts: not stored` },
          });
          await skip(file);
          continue;
        }
        results.push({ sha256: name, error: { code: 'internal_error', message: 'not stored' } });
        const sha256 = name.toLowerCase();
        const earlier = lastOf.get(sha256);
        await this.slots.take();
        const stored = (earlier ?? Promise.resolve())
          .then(() => this.storePart(file, sha256, clientGone, scope, batch))
          .then(
            (result) => void (results[index] = result),
            (error) => void (fatal ??= error),
          )
          .finally(() => this.slots.give());
        lastOf.set(sha256, stored);
        // The next part can be read once this one is: when its bytes are all taken, or its upload gave up early.
        await Promise.race([finished(file).catch(() => undefined), stored]);
        if (!file.readableEnded) await skip(file);
        const tracked: Promise<void> = stored.finally(() => committing.delete(tracked));
        committing.add(tracked);
        if (fatal) break;
      }
    } finally {
      batch.end();
      // Parts already read finish their commit before any answer, an error included.
      await Promise.all(committing);
    }
    if (fatal) throw fatal;
    const unnamed = pack.partCount() - results.length;
    if (notFile || unnamed > 0) {
      const why = notFile ?? `${unnamed} part${unnamed === 1 ? '' : 's'} without a Content-Disposition naming a file`;
      throw new HoardError(
        'invalid_request',
        `Every part of a pack is a file named by its digest, but ${why}; the file parts were handled as details.items says`,
        {
          details: { items: results, unnamed_parts: Math.max(0, unnamed) },
        },
      );
    }
    return results;
  }

  /** One part: stored, or refused with a per-part error; rejects with any other error (the store is down, say). */
  private async storePart(
    file: PackFile,
    sha256: string,
    clientGone: () => boolean,
    scope: TenantScope,
    batch: PutBatch,
  ): Promise<PackItemResult> {
    try {
      if (!isSha256(sha256)) throw new HoardError('invalid_digest', 'A part name must be a SHA-256 digest (64 hex characters)');
      const stored = await this.blobs.put(normalizeSha256(sha256), file, undefined, clientGone, scope, undefined, batch);
      if (file.truncated) throw this.tooLarge();
      return stored;
    } catch (error) {
      const refusal = file.truncated ? this.tooLarge() : error;
      if (!(refusal instanceof HoardError) || !PER_PART.has(refusal.code)) throw refusal;
      return { sha256, error: { code: refusal.code, message: refusal.message } };
    }
  }

  private tooLarge(): HoardError {
    const maxBytes = this.settings.maxBlobBytes;
    return new HoardError('payload_too_large', `the part is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } });
  }
}

/** Reads and drops the rest of a part's bytes. */
async function skip(file: Readable): Promise<void> {
  file.resume();
  await finished(file).catch(() => undefined);
}
