import { EMPTY_SHA256, type Sha256 } from '@app/contracts';
import type { FileToRecord } from '@app/metadata';
import { Readable } from 'node:stream';
import { content, ServiceFixture, serviceFixture } from '../testing/service-fixtures';

const EMPTY = EMPTY_SHA256;

describe('FilesService', () => {
  let f: ServiceFixture;
  beforeEach(async () => (f = await serviceFixture()));
  afterEach(() => f.close());

  const sut = () => f.files;
  const file = (filepath: string, sha256: Sha256, size: number): FileToRecord => ({ hostname: 'h', filepath, sha256, size });
  const stored = async (size: number) => {
    const c = content(size);
    await f.blobs.put(c.sha, Readable.from([c.bytes]));
    return c;
  };

  describe('sizes', () => {
    it('refuses a record whose size is not its stored content\'s, naming the field, and records nothing', async () => {
      const { sha } = await stored(15);
      await expect(sut().record(file('/a', sha, 9_007_199_254_740_991))).rejects.toMatchObject({
        code: 'validation_failed',
        details: { fields: [{ field: 'size', errors: ['size must be 15: the content of this digest is 15 bytes long'] }] },
      });
      await expect(sut().record(file('/e', EMPTY, 1))).rejects.toMatchObject({ details: { fields: [{ field: 'size' }] } });
      expect((await sut().list({})).items).toEqual([]);
    });

    it('refuses a whole batch for one such record, naming each by its index', async () => {
      const { sha } = await stored(15);
      const batch = [file('/ok', sha, 15), file('/bad', sha, 16), file('/new', content(5).sha, 5), file('/e', EMPTY, 3)];
      await expect(sut().recordBatch(batch)).rejects.toMatchObject({
        code: 'validation_failed',
        details: { fields: [{ field: 'files.1.size' }, { field: 'files.3.size' }] },
      });
      expect((await f.metadata.stats()).files).toBe(0);
    });

    it('names at most 20 fields, then says how many more', async () => {
      const { sha } = await stored(15);
      const batch = Array.from({ length: 25 }, (_, i) => file(`/f${i}`, sha, 16));
      const error = (await sut().recordBatch(batch).then(() => null, (e: unknown) => e)) as { details: { fields: unknown[]; more: number } };
      expect([error.details.fields.length, error.details.more]).toEqual([20, 5]);
    });

    it('corrects the sizes recorded for content once it is stored, and /stats counts them true', async () => {
      const c = content(15);
      await sut().record(file('/a', c.sha, 9_007_199_254_740_991));
      await f.blobs.put(c.sha, Readable.from([c.bytes]));
      expect((await sut().list({})).items.map((r) => r.size)).toEqual([15]);
      expect((await f.metadata.stats()).logical_bytes).toBe(15);
    });

    it('corrects a record written while its content was being registered with another size', async () => {
      const c = content(15);
      const recordFiles = f.metadata.recordFiles.bind(f.metadata);
      jest.spyOn(f.metadata, 'recordFiles').mockImplementationOnce(async (files, now) => {
        await f.blobs.put(c.sha, Readable.from([c.bytes])); // lands between the check and the write
        return recordFiles(files, now);
      });
      const { record } = await sut().record(file('/a', c.sha, 99));
      expect(record.size).toBe(15);
      expect((await sut().get(record.id)).size).toBe(15);
    });
  });

  it('says per content whether it is available and must be uploaded: stored, absent, quarantined, taken down, empty', async () => {
    const ok = await stored(10);
    const bad = await stored(11);
    const down = await stored(12);
    const absent = content(13);
    await f.metadata.quarantineBlob(bad.sha, new Date());
    await f.blobs.delete(down.sha);
    const batch = [file('/ok', ok.sha, 10), file('/bad', bad.sha, 11), file('/down', down.sha, 12), file('/absent', absent.sha, 13), file('/e', EMPTY, 0)];
    const results = await sut().recordBatch(batch);
    expect(results.map((r) => [r.index, r.upload_required, r.content_available])).toEqual([
      [0, false, true],
      [1, true, false],
      [2, false, false],
      [3, true, false],
      [4, false, true],
    ]);
    const single = await sut().record(file('/down-again', down.sha, 12));
    expect([single.record.upload_required, single.record.upload_url, single.record.content_available]).toEqual([false, null, false]);
    const seen = await sut().markSeen('h', results.map((r) => r.id));
    expect(seen.upload_required).toEqual([results[1].id, results[3].id]);
  });
});
