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

/** A stand-in for S3 whose answers the test releases one by one; it logs every command in the order sent. */
function heldClient() {
  const log: string[] = [];
  const pending: Array<() => void> = [];
  const send = (command: unknown) => {
    const name = (command as object).constructor.name.replace(/Command$/, '');
    const part = command instanceof UploadPartCommand ? ` ${command.input.PartNumber}` : '';
    log.push(`${name}${part}`);
    return new Promise((resolve) => {
      pending.push(() => resolve(command instanceof CreateMultipartUploadCommand ? { UploadId: 'u1' } : { ETag: '"e"' }));
    });
  };
  /** Answers the oldest command not yet answered; resolves once its caller has run on. */
  const answer = async () => {
    pending.shift()!();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { client: { send } as unknown as S3Client, log, answer };
}

describe('S3MultipartUpload ended while a part waits', () => {
  it('sends no part after the abort, not even one that was waiting for room when the body failed', async () => {
    const { client, log, answer } = heldClient();
    const sut = new S3MultipartUpload({ client, bucket: 'b', key: 'k', queueSize: 1 });
    const first = sut.add(Buffer.alloc(4));
    await answer(); // the upload is created; part 1 goes up
    await first;
    const waiting = sut.add(Buffer.alloc(4)); // no room until part 1 is answered
    const aborted = sut.abort();
    await answer(); // part 1 answered: the waiting part wakes up after the abort began
    await expect(waiting).rejects.toThrow('the multipart upload has ended');
    await answer(); // the abort
    await aborted;
    expect(log).toEqual(['CreateMultipartUpload', 'UploadPart 1', 'AbortMultipartUpload']);
  });

  it('aborts an upload whose creation was still under way when it was asked to', async () => {
    const { client, log, answer } = heldClient();
    const sut = new S3MultipartUpload({ client, bucket: 'b', key: 'k', queueSize: 1 });
    const first = sut.add(Buffer.alloc(4));
    const aborted = sut.abort();
    await answer(); // created only now
    await expect(first).rejects.toThrow('the multipart upload has ended');
    await answer(); // the abort
    await aborted;
    expect(log).toEqual(['CreateMultipartUpload', 'AbortMultipartUpload']);
  });
});
