import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll } from '../testing/blob-bodies';
import { LocalPackFiles } from './local-pack-files';

describe('LocalPackFiles', () => {
  let root: string;
  let sut: LocalPackFiles;
  const id = 'ab'.repeat(16);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hoard-packs-'));
    sut = new LocalPackFiles(root);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lays a pack out as <root>/packs/<id[0:2]>/<id>, owner-only, written at reserved positions side by side', async () => {
    const pack = await sut.create(id);
    await Promise.all([pack.write([Buffer.from('world')], 5), pack.write([Buffer.from('hel'), Buffer.from('lo')], 0)]);
    await pack.datasync();
    await pack.close();
    const path = join(root, 'packs', 'ab', id);
    expect([statSync(path).mode & 0o777, statSync(join(root, 'packs')).mode & 0o777]).toEqual([0o600, 0o700]);
    expect(await sut.readBytes(id, 0, 10)).toEqual(Buffer.from('helloworld'));
    expect(await readAll(await sut.read(id, 3, 4))).toEqual(Buffer.from('lowo'));
    expect(await sut.list()).toEqual([{ id, size: 10, modifiedAt: Math.floor(statSync(path).mtimeMs) }]);
    await sut.truncate(id, 4);
    expect(await sut.readBytes(id, 0, 10)).toEqual(Buffer.from('hell'));
    await expect(sut.remove(id)).resolves.toBe(true);
    await expect(sut.remove(id)).resolves.toBe(false);
    await expect(sut.read(id, 0, 1)).rejects.toMatchObject({ code: 'not_found' });
    await expect(sut.create(id).then((p) => p.close())).resolves.toBeUndefined();
    await expect(sut.create(id)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('fails the flush of a pack whose directory went away, and never makes the store root again', async () => {
    const pack = await sut.create(id);
    await pack.write([Buffer.from('data')], 0);
    renameSync(root, `${root}-aside`);
    try {
      await expect(pack.datasync()).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(sut.create('cd'.repeat(16))).rejects.toMatchObject({ code: 'unavailable' });
      expect(existsSync(root)).toBe(false);
    } finally {
      await pack.close();
      renameSync(`${root}-aside`, root);
    }
  });
});
