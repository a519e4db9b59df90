import { Upload } from '@tus/utils';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interruptedStream, randomBlob, streamOf } from '../testing/blob-bodies';
import { describeUploadStoreContract, newUploadId } from '../testing/upload-store.contract';
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

    it('is the digest of its bytes, kept up as they were written in several writes', async () => {
      const id = await created();
      let offset = 0;
      for (const part of parts) offset = await sut.write(streamOf(part), id, offset);
      expect(await sut.finishedFile(id, bytes.length)).toEqual({ file: join(dir, 'uploads', id), sha256: sha });
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
