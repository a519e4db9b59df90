import { ERRORS, Upload } from '@tus/utils';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interruptedStream, randomBlob, streamOf } from '../testing/blob-bodies';
import { describeUploadStoreContract, newUploadId } from '../testing/upload-store.contract';
import * as poolHash from '../shared/pool-hash';
import { LocalUploadStore } from './local-upload-store';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hoard-uploads-'));
}

describeUploadStoreContract('local files', async (expiryMs) => {
  const dir = tempDir();
  return {
    sut: new LocalUploadStore({ directory: join(dir, 'uploads'), expiryMs }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('LocalUploadStore', () => {
  let dir: string;
  let sut: LocalUploadStore;
  const hourMs = 3_600_000;

  beforeEach(() => {
    dir = tempDir();
    sut = new LocalUploadStore({ directory: join(dir, 'uploads'), expiryMs: hourMs });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps an upload as its bytes and its metadata, readable by the server's user only", async () => {
    const { id } = await sut.create(new Upload({ id: newUploadId(), size: 3, offset: 0 }));
    await sut.write(streamOf(Buffer.from('abc')), id, 0);
    expect(readdirSync(join(dir, 'uploads')).sort()).toEqual([id, `${id}.json`]);
    expect(statSync(join(dir, 'uploads')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'uploads', id)).size).toBe(3);
    expect([statSync(join(dir, 'uploads', id)).mode & 0o777, statSync(join(dir, 'uploads', `${id}.json`)).mode & 0o777]).toEqual([
      0o600, 0o600,
    ]);
  });

  describe('the file and digest of a finished upload', () => {
    const MiB = 1024 * 1024;
    const { bytes, sha } = randomBlob(3 * MiB + 12345);
    const parts = [bytes.subarray(0, MiB + 7), bytes.subarray(MiB + 7, 2 * MiB), bytes.subarray(2 * MiB)];

    async function created(store = sut): Promise<string> {
      return (await store.create(new Upload({ id: newUploadId(), size: bytes.length, offset: 0 }))).id;
    }

    it('is the digest of its bytes, kept up as they were written in several writes (never read back)', async () => {
      const readBack = jest.spyOn(poolHash, 'hashPath');
      try {
        const id = await created();
        let offset = 0;
        for (const part of parts) offset = await sut.write(streamOf(part), id, offset);
        expect(await sut.finishedFile(id, bytes.length)).toEqual({ file: join(dir, 'uploads', id), sha256: sha });
        expect(readFileSync(join(dir, 'uploads', id)).equals(bytes)).toBe(true);
        expect(readBack).not.toHaveBeenCalled();
      } finally {
        readBack.mockRestore();
      }
    });

    it('is read back when the bytes did not all arrive in order here: a cut write, or a restart in between', async () => {
      const cut = await created();
      await expect(sut.write(interruptedStream(parts[0], 500_000, new Error('reset')), cut, 0)).rejects.toBeDefined();
      let offset = statSync(join(dir, 'uploads', cut)).size;
      offset = await sut.write(streamOf(bytes.subarray(offset, 2 * MiB)), cut, offset);
      await sut.write(streamOf(parts[2]), cut, offset);
      expect(await sut.finishedFile(cut, bytes.length)).toEqual({ file: join(dir, 'uploads', cut), sha256: sha });

      const restarted = await created();
      await sut.write(streamOf(bytes.subarray(0, 2 * MiB)), restarted, 0);
      const again = new LocalUploadStore({ directory: join(dir, 'uploads'), expiryMs: hourMs });
      await again.write(streamOf(parts[2]), restarted, 2 * MiB);
      expect(await again.finishedFile(restarted, bytes.length)).toEqual({ file: join(dir, 'uploads', restarted), sha256: sha });
    });

    it('is not given for a file of another size', async () => {
      const id = await created();
      await sut.write(streamOf(parts[0]), id, 0);
      expect(await sut.finishedFile(id, bytes.length)).toBeUndefined();
    });
  });

  describe('a write', () => {
    it('never brings back an upload removed before it began', async () => {
      const { id } = await sut.create(new Upload({ id: newUploadId(), size: 10, offset: 0 }));
      await sut.remove(id);
      await expect(sut.write(streamOf(Buffer.from('0123456789')), id, 0)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
      expect(existsSync(join(dir, 'uploads', id))).toBe(false);
      await expect(sut.getUpload(id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
    });

    it('adds nothing to a file that no longer ends where the upload was told it does', async () => {
      const { id } = await sut.create(new Upload({ id: newUploadId(), size: 10, offset: 0 }));
      expect(await sut.write(streamOf(Buffer.from('01234')), id, 0)).toBe(5);
      truncateSync(join(dir, 'uploads', id), 2);
      await expect(sut.write(streamOf(Buffer.from('56789')), id, 5)).rejects.toBe(ERRORS.FILE_WRITE_ERROR);
      expect(readFileSync(join(dir, 'uploads', id), 'latin1')).toBe('01');
    });

    it('keeps what arrived of a body that ended early, flushed, and goes on from there', async () => {
      const { bytes, sha } = randomBlob(3 * 1024 * 1024);
      const { id } = await sut.create(new Upload({ id: newUploadId(), size: bytes.length, offset: 0 }));
      // tus ends the body of a client that went away: the write is of what arrived.
      const offset = await sut.write(streamOf(bytes.subarray(0, 1_500_001)), id, 0);
      expect(offset).toBe(1_500_001);
      expect((await sut.getUpload(id)).offset).toBe(1_500_001);
      await sut.write(streamOf(bytes.subarray(offset)), id, offset);
      expect(await sut.finishedFile(id, bytes.length)).toEqual({ file: join(dir, 'uploads', id), sha256: sha });
    });
  });

  it('answers for an upload removed by another store on the same directory: gone', async () => {
    const { id } = await sut.create(new Upload({ id: newUploadId(), size: 3, offset: 0 }));
    expect((await sut.getUpload(id)).size).toBe(3);
    await new LocalUploadStore({ directory: join(dir, 'uploads'), expiryMs: hourMs }).remove(id);
    await expect(sut.getUpload(id)).rejects.toBe(ERRORS.FILE_NO_LONGER_EXISTS);
  });

  it('removes the halves of an upload a crash left once they are older than the expiry, and nothing else', async () => {
    const old = Date.now() / 1000 - 2 * 3600;
    const bytesOnly = newUploadId();
    const metadataOnly = newUploadId();
    writeFileSync(join(dir, 'uploads', bytesOnly), 'abc');
    writeFileSync(join(dir, 'uploads', `${metadataOnly}.json`), '{');
    utimesSync(join(dir, 'uploads', bytesOnly), old, old);
    utimesSync(join(dir, 'uploads', `${metadataOnly}.json`), old, old);
    writeFileSync(join(dir, 'uploads', 'README'), 'not an upload');
    const young = await sut.create(new Upload({ id: newUploadId(), size: 3, offset: 0 }));
    expect(await sut.deleteExpired()).toBe(2);
    expect(readdirSync(join(dir, 'uploads')).sort()).toEqual(['README', young.id, `${young.id}.json`].sort());
  });
});
