import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { isS3NotFound, s3Failure } from './s3-errors';

/** Bucket-level chores of the S3 store: checking (or creating) the bucket, removing stale uploads. */
export class S3BucketAdmin {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  /**
   * Checks that the bucket exists and is reachable; creates it when missing and `create` is true.
   * @throws HoardError `unavailable` otherwise.
   */
  async ensureBucket(create: boolean): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!create || !isS3NotFound(error)) throw s3Failure(`bucket ${this.bucket}`, error);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
        throw s3Failure(`create bucket ${this.bucket}`, error);
      }
    }
  }

  /**
   * Aborts multipart uploads under the prefix started longer than `olderThanMs` ago: leftovers of a crashed
   * process. Younger ones may belong to another instance still uploading, so they are left alone, and so are the
   * resumable uploads under `<prefix>uploads/`, which live until their own expiry (S3UploadStore). The listing
   * is filtered here rather than by `Prefix`, which MinIO applies only to whole keys.
   */
  async abortStaleUploads(olderThanMs: number): Promise<void> {
    const cutoff = Date.now() - olderThanMs;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      for (;;) {
        const page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        );
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key?.startsWith(this.prefix) || upload.Key.startsWith(`${this.prefix}uploads/`)) continue;
          if (!upload.Initiated || upload.Initiated.getTime() > cutoff) continue;
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
        }
        if (!page.IsTruncated) return;
        keyMarker = page.NextKeyMarker;
        uploadIdMarker = page.NextUploadIdMarker;
      }
    } catch (error) {
      throw s3Failure('removing stale uploads', error);
    }
  }
}
