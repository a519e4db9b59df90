import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { GROUP_MAX, HashPool, HashReadError } from './hash-pool';

describe('HashPool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hoard-hash-'));
  let sut: HashPool;
  beforeEach(() => (sut = new HashPool(2)));
  afterEach(() => sut.close());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('agrees with node:crypto on empty, small, buffer-sized and multi-buffer files', async () => {
    const sizes = [0, 1, 4095, 4 * 1024 * 1024, 4 * 1024 * 1024 + 1, 9 * 1024 * 1024 + 17];
    const files = sizes.map((size, i) => {
      const path = join(dir, `f${i}`);
      writeFileSync(path, randomBytes(size));
      return path;
    });
    const results = await Promise.all(files.map((p) => sut.hash(p)));
    for (let i = 0; i < files.length; i++) {
      const expected = createHash('sha256').update(readFileSync(files[i])).digest('hex');
      expect(results[i]).toEqual({ sha256: expected, bytes: sizes[i], changed: false });
    }
  });

  it('reports a missing file with its code, refuses a symlink with noFollow, and keeps working', async () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'x');
    symlinkSync(target, join(dir, 'link'));
    const missing = await sut.hash(join(dir, 'nope')).catch((e: any) => e);
    expect(missing).toBeInstanceOf(HashReadError);
    expect(missing.code).toBe('ENOENT');
    const link = await sut.hash(join(dir, 'link'), { noFollow: true }).catch((e: any) => e);
    expect(link.code).toBe('ELOOP');
    expect((await sut.hash(target)).bytes).toBe(1);
  });

  it('stops its idle workers on release, and starts them again for the next file', async () => {
    const path = join(dir, 'again');
    writeFileSync(path, 'again');
    const expected = createHash('sha256').update('again').digest('hex');
    await Promise.all([sut.hash(path), sut.hash(path), sut.hash(path)]);
    expect(sut.workers).toBe(2);
    await sut.release();
    expect(sut.workers).toBe(0);
    expect(await sut.hash(path)).toEqual({ sha256: expected, bytes: 5, changed: false });
    expect(sut.workers).toBe(1);
  });

  it('keeps a worker that is hashing through a release', async () => {
    const path = join(dir, 'busy');
    writeFileSync(path, randomBytes(8 * 1024 * 1024));
    const hashing = sut.hash(path);
    await sut.release();
    expect(sut.workers).toBe(1);
    expect((await hashing).bytes).toBe(8 * 1024 * 1024);
  });

  it('flags a file that differs from what the scan saw', async () => {
    const path = join(dir, 'moving');
    writeFileSync(path, 'abc');
    const st = statSync(path, { bigint: true });
    const res = await sut.hash(path, { expect: { size: st.size + 1n, mtimeNs: st.mtimeNs } });
    expect(res.changed).toBe(true);
    const same = await sut.hash(path, { expect: { size: st.size, mtimeNs: st.mtimeNs } });
    expect(same.changed).toBe(false);
  });

  it('sends small files in groups of at most GROUP_MAX, answering each file of a group on its own', async () => {
    const single = new HashPool(1);
    const posted: number[] = [];
    const post = Worker.prototype.postMessage;
    const spy = jest.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, msg: unknown) {
      posted.push((msg as unknown[]).length);
      post.call(this, msg);
    });
    try {
      const files = Array.from({ length: 70 }, (_, i) => {
        const path = join(dir, `small${i}`);
        writeFileSync(path, randomBytes(i * 50));
        return path;
      });
      const expects = files.map((p) => statSync(p, { bigint: true }));
      rmSync(files[40]);
      const results = await Promise.all(
        files.map((p, i) =>
          single.hash(p, { expect: { size: expects[i].size, mtimeNs: expects[i].mtimeNs } }).catch((e: HashReadError) => e),
        ),
      );
      // Two single messages fill the worker's depth while the rest queue; then groups of 32, 32 and the last 4.
      expect(posted).toEqual([1, 1, GROUP_MAX, GROUP_MAX, 4]);
      expect((results[40] as HashReadError).code).toBe('ENOENT');
      for (const i of [0, 1, 39, 41, 69]) {
        const expected = createHash('sha256').update(readFileSync(files[i])).digest('hex');
        expect(results[i]).toEqual({ sha256: expected, bytes: i * 50, changed: false });
      }
    } finally {
      spy.mockRestore();
      await single.close();
    }
  });
});
