import { ERRORS, Upload } from '@tus/utils';
import { randomBytes } from 'node:crypto';
import type { UploadStore } from '../uploads/upload-store';
import { interruptedStream, readAll, streamOf } from './blob-bodies';
import { useFreshSubject } from './contract-subject';

/** What a contract run needs from a driver: a fresh, empty store whose uploads expire after `expiryMs` (0: never). */
export type UploadStoreFactory = (expiryMs: number) => Promise<{ sut: UploadStore; cleanup(): Promise<void> }>;

const MiB = 1024 * 1024;

/** A fresh upload id, as the server names them. */
export function newUploadId(): string {
  return randomBytes(24).toString('hex');
}

/** Polls `check` until it holds or `ms` pass (then fails with `what`). */
async function eventually(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The one behaviour suite every UploadStore driver passes (local files, S3, memory): offsets that follow what was
 * written, even when a body breaks off; a finished upload read back whole; termination; expiry of finished and
 * unfinished uploads; no path or key built from an id that is not one.
 */
export function describeUploadStoreContract(name: string, factory: UploadStoreFactory): void {
  describe(`UploadStore contract: ${name}`, () => {
    let sut: UploadStore;
    useFreshSubject(
      () => factory(0),
      (fresh) => (sut = fresh),
    );

    const create = (size: number, metadata: Record<string, string> = {}) =>
      sut.create(new Upload({ id: newUploadId(), size, offset: 0, metadata }));

    it('creates an upload at offset 0 with its size, metadata and creation time', async () => {
      const created = await create(10, { sha256: 'ab'.repeat(32) });
      const upload = await sut.getUpload(created.id);
      expect(upload).toMatchObject({ id: created.id, size: 10, offset: 0, metadata: { sha256: 'ab'.repeat(32) } });
      expect(Date.now() - new Date(upload.creation_date!).getTime()).toBeLessThan(60_000);
      expect(sut.extensions.sort()).toEqual(['creation', 'creation-with-upload', 'expiration', 'termination']);
    });

    it('continues from the offset of the bytes that arrived, and reads a finished upload back whole', async () => {
      const bytes = randomBytes(6 * MiB + 4321);
      const { id } = await create(bytes.length);
      const first = 5 * MiB + 1000;
      expect(await sut.write(streamOf(bytes.subarray(0, first)), id, 0)).toBe(first);
      expect((await sut.getUpload(id)).offset).toBe(first);
      expect(await sut.write(streamOf(bytes.subarray(first)), id, first)).toBe(bytes.length);
      expect((await sut.getUpload(id)).offset).toBe(bytes.length);
      expect((await readAll(await sut.open(id))).equals(bytes)).toBe(true);
    });

    it('keeps the bytes of a body that broke off: the next write continues after them', async () => {
      const bytes = randomBytes(3 * MiB);
      const { id } = await create(bytes.length);
      await sut.write(interruptedStream(bytes, MiB, new Error('reset')), id, 0).catch(() => undefined);
      const { offset } = await sut.getUpload(id);
      expect(offset).toBeLessThanOrEqual(MiB);
      expect(await sut.write(streamOf(bytes.subarray(offset)), id, offset)).toBe(bytes.length);
      expect((await readAll(await sut.open(id))).equals(bytes)).toBe(true);
    });

    it('removes an unfinished and a finished upload; an unknown one is not found', async () => {
      const unfinished = await create(100);
      await sut.write(streamOf(randomBytes(40)), unfinished.id, 0);
      const bytes = randomBytes(100);
      const finished = await create(100);
      await sut.write(streamOf(bytes), finished.id, 0);
      await sut.remove(unfinished.id);
      await sut.remove(finished.id);
      await expect(sut.getUpload(unfinished.id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
      await expect(sut.getUpload(finished.id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
      await expect(sut.open(finished.id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
      await expect(sut.remove(newUploadId())).rejects.toBe(ERRORS.FILE_NOT_FOUND);
    });

    it('builds no path or key from an id that is not an upload id', async () => {
      for (const id of ['../hoard.db', 'ABC', '', `${newUploadId()}/x`]) {
        await expect(sut.getUpload(id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
        await expect(sut.open(id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
        await expect(sut.remove(id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
      }
      await expect(sut.create(new Upload({ id: '../x', size: 1, offset: 0 }))).rejects.toBe(ERRORS.FILE_NOT_FOUND);
    });

    it('never expires anything when expiry is off', async () => {
      await create(10);
      expect(sut.getExpiration()).toBe(0);
      expect(await sut.deleteExpired()).toBe(0);
    });

    describe('with an expiry', () => {
      const expiryMs = 2000;
      let expiring: { sut: UploadStore; cleanup(): Promise<void> };
      beforeEach(async () => {
        expiring = await factory(expiryMs);
      });
      afterEach(async () => {
        await expiring.sut.close();
        await expiring.cleanup();
      });

      it('removes finished and unfinished uploads once they are older than the expiry, and no younger one', async () => {
        const store = expiring.sut;
        expect(store.getExpiration()).toBe(expiryMs);
        const unfinished = await store.create(new Upload({ id: newUploadId(), size: 6 * MiB, offset: 0 }));
        await store.write(streamOf(randomBytes(5 * MiB + 1)), unfinished.id, 0);
        const finished = await store.create(new Upload({ id: newUploadId(), size: 10, offset: 0 }));
        await store.write(streamOf(randomBytes(10)), finished.id, 0);
        let removed = 0;
        await eventually('both uploads expire', async () => (removed += await store.deleteExpired()) >= 2);
        expect(removed).toBe(2);
        await expect(store.getUpload(unfinished.id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
        await expect(store.getUpload(finished.id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
        const young = await store.create(new Upload({ id: newUploadId(), size: 10, offset: 0 }));
        expect(await store.deleteExpired()).toBe(0);
        expect((await store.getUpload(young.id)).offset).toBe(0);
      });
    });
  });
}
