import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';

/** The largest object one CopyObject may copy (S3's limit); larger ones are copied part by part. */
export const MAX_SINGLE_COPY = 5 * 1024 ** 3;
const MAX_PARTS = 10_000;

export interface CopySource {
  client: S3Client;
  bucket: string;
  from: string;
  to: string;
  size: number;
  /** Objects up to this size are copied with one CopyObject (default and at most 5 GiB). */
  singleCopyMax?: number;
  /** Bytes per copied part of a larger object, at least 5 MiB (grown when 10,000 parts would not hold it). */
  partSize: number;
}

/**
 * Copies an object within its bucket on the server side (no byte passes through this process): one CopyObject up
 * to 5 GiB, a multipart copy (UploadPartCopy per range) above, aborted when any part fails.
 */
export async function copyObject(source: CopySource): Promise<void> {
  const { client, bucket, from, to, size } = source;
  const copySource = `${bucket}/${encodeURIComponent(from).replace(/%2F/g, '/')}`;
  if (size <= Math.min(source.singleCopyMax ?? MAX_SINGLE_COPY, MAX_SINGLE_COPY)) {
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: copySource }));
    return;
  }
  const partSize = Math.max(source.partSize, Math.ceil(size / MAX_PARTS));
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: to, ContentType: 'application/octet-stream' }),
  );
  try {
    const parts = [];
    for (let start = 0, PartNumber = 1; start < size; start += partSize, PartNumber++) {
      const end = Math.min(size, start + partSize) - 1;
      const { CopyPartResult } = await client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: to,
          UploadId,
          PartNumber,
          CopySource: copySource,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      parts.push({ PartNumber, ETag: CopyPartResult?.ETag });
    }
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId })).catch(() => undefined);
    throw error;
  }
}
