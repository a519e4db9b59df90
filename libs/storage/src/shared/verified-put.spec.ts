import { sha256Of } from '@app/contracts';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutDriver, verifiedPut } from './verified-put';

describe('verifiedPut', () => {
  const bytes = Buffer.from('hoard');
  const sha = sha256Of(createHash('sha256').update(bytes));
  const driver = (held: boolean) => {
    const writes: string[] = [];
    const sut: PutDriver = {
      holds: async () => held,
      writeNew: async (digest) => {
        writes.push(digest);
        return { size: bytes.length, created: true };
      },
    };
    return { sut, writes };
  };

  it('verifies the body of a digest already held without writing it, and refuses a wrong one', async () => {
    const { sut, writes } = driver(true);
    await expect(verifiedPut(sut, sha, Readable.from([bytes]))).resolves.toEqual({ sha256: sha, size: 5, created: false });
    await expect(verifiedPut(sut, sha, Readable.from([Buffer.from('other')]))).rejects.toMatchObject({ code: 'digest_mismatch' });
    expect(writes).toEqual([]);
  });

  it('hands new content to the driver once the options are checked, and destroys the body on any failure', async () => {
    const { sut, writes } = driver(false);
    await expect(verifiedPut(sut, sha, Readable.from([bytes]))).resolves.toEqual({ sha256: sha, size: 5, created: true });
    const body = Readable.from([bytes]);
    await expect(verifiedPut(sut, sha, body, { expectedSize: -1 })).rejects.toMatchObject({ code: 'invalid_request' });
    expect([writes, body.destroyed]).toEqual([[sha], true]);
  });
});
