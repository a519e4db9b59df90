import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PutOptions } from '../blob-store';
import { HashingMeter } from '../shared/hashing-meter';
import { classifyPutFailure, digestMismatch } from '../shared/store-errors';
import { PartAssembler } from './part-assembler';
import { partSizes } from './part-plan';
import { MultipartTarget, S3MultipartUpload } from './s3-multipart-upload';
import { writeIfAbsent } from './s3-write-if-absent';

/** A multipart target plus the size of its parts (larger ones when a body needs them; see partSizes). */
export interface VerifiedPutTarget extends MultipartTarget {
  partSize: number;
}

/**
 * Streams a body to S3 while hashing it, and makes it visible under its key only once the digest matched and
 * only if the key is still free. A body smaller than one part is held in memory and written with one
 * conditional PutObject; a larger one goes up as a multipart upload (at most `queueSize` parts in flight plus
 * the one being filled, and no more than `queueSize` parts of `partSize` bytes when parts grow), completed after
 * verification and aborted on any failure.
 * Resolves with the body's size and whether this upload created the object.
 */
export async function putVerified(
  target: VerifiedPutTarget,
  sha: string,
  body: Readable,
  options: PutOptions,
): Promise<{ size: number; created: boolean }> {
  const meter = new HashingMeter(options);
  const assembler = new PartAssembler(partSizes(target.partSize, options.expectedSize, options.maxBytes));
  // Grown parts go up fewer at a time: no more bytes in flight than queueSize parts of the usual size.
  const upload = new S3MultipartUpload({ ...target, inflightBytes: target.queueSize * target.partSize });
  try {
    await pipeline(body, meter, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        for (const part of assembler.push(chunk)) await upload.add(part);
      }
    });
    const rest = assembler.takeRest();
    const actual = meter.digest();
    if (actual !== sha) throw digestMismatch(sha, actual);
    if (!upload.started) return { size: meter.bytes, created: await putSmall(target, rest) };
    if (rest.length > 0) await upload.add(rest);
    return { size: meter.bytes, created: await upload.complete() };
  } catch (error) {
    await upload.abort();
    throw classifyPutFailure(error, undefined, 'upload');
  }
}

function putSmall(target: VerifiedPutTarget, bytes: Buffer): Promise<boolean> {
  const { client, bucket, key } = target;
  return writeIfAbsent(() =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: bytes,
        ContentLength: bytes.length,
        ContentType: 'application/octet-stream',
        IfNoneMatch: '*',
      }),
    ),
  );
}
