import { CreateMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { S3MultipartUpload } from './s3-multipart-upload';

/** A stand-in for S3 that answers each part after a few milliseconds and records what was in flight at once. */
function recordingClient() {
  let bytes = 0;
  let parts = 0;
  const peaks = { bytes: 0, parts: 0 };
  const send = async (command: unknown) => {
    if (command instanceof CreateMultipartUploadCommand) return { UploadId: 'u1' };
    if (!(command instanceof UploadPartCommand)) return {};
    const size = (command.input.Body as Buffer).length;
    bytes += size;
    parts += 1;
    peaks.bytes = Math.max(peaks.bytes, bytes);
    peaks.parts = Math.max(peaks.parts, parts);
    await new Promise((resolve) => setTimeout(resolve, 5));
    bytes -= size;
    parts -= 1;
    return { ETag: `"${command.input.PartNumber}"` };
  };
  return { client: { send } as unknown as S3Client, peaks };
}

describe('S3MultipartUpload in flight', () => {
  it('keeps at most queueSize parts in flight', async () => {
    const { client, peaks } = recordingClient();
    const upload = new S3MultipartUpload({ client, bucket: 'b', key: 'k', queueSize: 3 });
    for (let i = 0; i < 10; i++) await upload.add(Buffer.alloc(4));
    await upload.abort();
    expect(peaks.parts).toBe(3);
  });

  it('sends larger parts fewer at a time, within inflightBytes, and a part over it alone', async () => {
    const { client, peaks } = recordingClient();
    const upload = new S3MultipartUpload({ client, bucket: 'b', key: 'k', queueSize: 4, inflightBytes: 16 });
    for (let i = 0; i < 6; i++) await upload.add(Buffer.alloc(8));
    expect(peaks).toEqual({ bytes: 16, parts: 2 });
    await upload.add(Buffer.alloc(40));
    await upload.abort();
    expect(peaks).toEqual({ bytes: 40, parts: 2 });
  });
});
