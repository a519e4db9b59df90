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
    it("refuses a record whose size is not its stored content's, naming the field, and records nothing", async () => {
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
      const error = (await sut()
        .recordBatch(batch)
        .then(
          () => null,
          (e: unknown) => e,
        )) as { details: { fields: unknown[]; more: number } };
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
    const batch = [
      file('/ok', ok.sha, 10),
      file('/bad', bad.sha, 11),
      file('/down', down.sha, 12),
      file('/absent', absent.sha, 13),
      file('/e', EMPTY, 0),
    ];
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
    const seen = await sut().markSeen(
      'h',
      results.map((r) => r.id),
    );
    expect(seen.upload_required).toEqual([results[1].id, results[3].id]);
  });

  describe('record', () => {
    it('asks for an upload, at the URL given or the blob route, only when the store lacks the content', async () => {
      const held = await stored(10);
      const absent = content(11);
      const first = await sut().record({ ...file('/a', absent.sha, 11) }, (sha) => `/up/${sha}`);
      expect(first.status).toBe('created');
      expect(first.record).toMatchObject({
        sha256: absent.sha,
        upload_required: true,
        upload_url: `/up/${absent.sha}`,
        content_available: false,
      });
      const plain = await sut().record(file('/b', absent.sha, 11));
      expect(plain.record.upload_url).toBe(`/api/v1/blobs/${absent.sha}`);
      const have = await sut().record(file('/c', held.sha, 10));
      expect([have.record.upload_required, have.record.upload_url, have.record.content_available]).toEqual([false, null, true]);
    });

    it('makes a new version only when something changed, keeping each version', async () => {
      const a = content(5);
      const b = content(6);
      expect((await sut().record(file('/p', a.sha, 5))).status).toBe('created');
      expect((await sut().record(file('/p', a.sha, 5))).status).toBe('unchanged');
      expect((await sut().record(file('/p', b.sha, 6))).status).toBe('created');
      expect((await sut().history('h', '/p')).map((r) => [r.version, r.sha256])).toEqual([
        [2, b.sha],
        [1, a.sha],
      ]);
      expect((await sut().current('h', '/p')).sha256).toBe(b.sha);
    });
  });

  describe('deletion and lookups', () => {
    it('marks paths, prefixes and records deleted, each path once, and lists only current records unless asked', async () => {
      const c = content(4);
      for (const path of ['/d/1', '/d/2', '/e/1', '/f']) await sut().record(file(path, c.sha, 4));
      const writes = jest.spyOn(f.metadata, 'markPathsDeleted');
      expect(await sut().markPathsDeleted('h', [])).toBe(0);
      expect(writes).not.toHaveBeenCalled();
      expect(await sut().markPathsDeleted('h', ['/e/1', '/e/1', '/nowhere'])).toBe(1);
      expect(writes.mock.calls[0][1]).toEqual(['/e/1', '/nowhere']);
      expect(await sut().deleteByPrefix('h', '/d/')).toBe(2);
      const f1 = await sut().current('h', '/f');
      await sut().delete(f1.id);
      await expect(sut().delete('f_unknown')).rejects.toMatchObject({ code: 'not_found' });
      expect((await sut().list({})).items).toEqual([]);
      expect((await sut().list({ includeDeleted: true })).items.map((r) => r.filepath).sort()).toEqual(['/d/1', '/d/2', '/e/1', '/f']);
      await expect(sut().current('h', '/f')).rejects.toMatchObject({ code: 'not_found' });
      expect((await sut().epoch(c.sha)).filepath).toBe('/d/1');
    });

    it('answers not_found for an unknown id, path or content, and a bad cursor as a validation failure naming cursor', async () => {
      await expect(sut().get('f_unknown')).rejects.toMatchObject({ code: 'not_found' });
      await expect(sut().history('h', '/never')).rejects.toMatchObject({ code: 'not_found' });
      await expect(sut().epoch(content(3).sha)).rejects.toMatchObject({ code: 'not_found' });
      await expect(sut().list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'validation_failed',
        details: { fields: [{ field: 'cursor' }] },
      });
    });

    it("never shows or deletes an object's version as a file record, by id or by listing", async () => {
      const object = await f.objects.put('h', 'C:/p', Readable.from([Buffer.from('object')]));
      const [version] = await f.metadata.fileHistory('h', 'C:/p', 'bucket');
      await expect(sut().get(version.id)).rejects.toMatchObject({ code: 'not_found' });
      await expect(sut().delete(version.id)).rejects.toMatchObject({ code: 'not_found' });
      expect((await sut().list({ hostname: 'h', includeDeleted: true })).items).toEqual([]);
      await expect(sut().history('h', 'C:/p')).rejects.toMatchObject({ code: 'not_found' });
      expect((await f.objects.read('h', 'C:/p')).object).toEqual(object);
    });

    it('pages the list by the given limit, following next_cursor', async () => {
      const c = content(4);
      await sut().recordBatch(Array.from({ length: 3 }, (_, i) => file(`/p${i}`, c.sha, 4)));
      const first = await sut().list({ limit: 2 });
      expect(first.items).toHaveLength(2);
      const rest = await sut().list({ limit: 2, cursor: first.next_cursor! });
      expect([rest.items.length, rest.next_cursor]).toEqual([1, null]);
      expect((await sut().list({})).items).toHaveLength(3);
    });
  });

  it('confirms seen records once each, reporting stale ids', async () => {
    const c = await stored(4);
    const [{ id }] = await sut().recordBatch([file('/s', c.sha, 4)]);
    const writes = jest.spyOn(f.metadata, 'markFilesSeen');
    const seen = await sut().markSeen('h', [id, id, 'f_unknown']);
    expect(writes.mock.calls[0][1]).toEqual([id, 'f_unknown']);
    expect(seen).toEqual({ seen: 1, stale: ['f_unknown'], upload_required: [] });
  });
});
