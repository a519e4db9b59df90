import { Upload } from '@tus/utils';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamOf } from '../testing/blob-bodies';
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
