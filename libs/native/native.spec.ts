import { digestEach, FileHasher, KIND, PoolHasher, scanDir, STAT } from '@hoard/native';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The scanner is built at install where a compiler is; CI requires it (HOARD_TEST_REQUIRE_NATIVE=1).
const required = process.env.HOARD_TEST_REQUIRE_NATIVE === '1';
const describeBuilt = scanDir || required ? describe : describe.skip;

describeBuilt('scanDir (native)', () => {
  const scan = (path: string) => scanDir!(path);
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hoard-dirscan-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const entries = (path: string) => {
    const out = scan(path);
    const names = out.kinds.length === 0 ? [] : out.names.split('\0');
    return new Map(
      names.map((name, i) => [
        name,
        { kind: out.kinds[i], errno: out.errnos[i], stats: [...out.stats.subarray(i * STAT.FIELDS, (i + 1) * STAT.FIELDS)] },
      ]),
    );
  };

  type Field = Exclude<keyof typeof STAT, 'FIELDS'>;
  const FIELDS = Object.keys(STAT).filter((k) => k !== 'FIELDS') as Field[];
  /** One entry's stat record by field name. */
  const named = (stats: bigint[]) => Object.fromEntries(FIELDS.map((f) => [f, stats[STAT[f]]])) as Record<Field, bigint>;
  /** What the record of a file with this lstat holds, by field name. */
  const expectedOf = (st: import('node:fs').BigIntStats): Record<Field, bigint> => ({
    SIZE: st.size,
    MTIME_NS: st.mtimeNs,
    CTIME_NS: st.ctimeNs,
    INO: BigInt.asIntN(64, st.ino),
    DEV: BigInt.asIntN(64, st.dev),
    MODE: st.mode,
    UID: st.uid,
    GID: st.gid,
    ATIME_NS: st.atimeNs,
  });

  it('is built here', () => {
    expect(scanDir).not.toBeNull();
  });

  it("gives each entry's kind and its lstat fields exactly as Node's lstat gives them", () => {
    writeFileSync(join(root, 'file'), 'content');
    // A time with all nine digits of nanoseconds, which a double cannot carry.
    execFileSync('touch', ['-m', '-d', '@1700000000.123456789', join(root, 'file')]);
    symlinkSync('file', join(root, 'link'));
    symlinkSync('nowhere', join(root, 'dangling'));
    mkdirSync(join(root, 'sub'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    const found = entries(root);
    expect([...found.keys()].sort()).toEqual(readdirSync(root).sort());
    const kinds = Object.fromEntries([...found].map(([name, e]) => [name, e.kind]));
    expect(kinds).toEqual({ file: KIND.FILE, link: KIND.LINK, dangling: KIND.LINK, sub: KIND.DIR, fifo: KIND.OTHER });
    for (const name of ['file', 'link', 'dangling', 'fifo']) {
      const st = lstatSync(join(root, name), { bigint: true });
      expect({ name, errno: found.get(name)!.errno, stats: named(found.get(name)!.stats) }).toEqual({
        name,
        errno: 0,
        stats: expectedOf(st),
      });
    }
    expect(found.get('file')!.stats[STAT.MTIME_NS] % 1_000_000_000n).toBe(123_456_789n);
    // A directory's stat is not taken.
    expect(found.get('sub')!.stats).toEqual(new Array(STAT.FIELDS).fill(0n));
  });

  it('puts every field at the offset STAT names, as the C side writes it (a file whose every field differs)', () => {
    const file = join(root, 'known');
    writeFileSync(file, 'twelve bytes');
    chmodSync(file, 0o640);
    execFileSync('touch', ['-m', '-d', '@1700000000.123456789', file]);
    execFileSync('touch', ['-a', '-d', '@1600000000.987654321', file]);
    if (process.getuid?.() === 0) chownSync(file, 1234, 5678);
    const st = lstatSync(file, { bigint: true });
    const stats = named(entries(root).get('known')!.stats);
    expect(stats).toEqual(expectedOf(st));
    expect([stats.SIZE, stats.MODE & 0o7777n, stats.MTIME_NS, stats.ATIME_NS]).toEqual([
      12n,
      0o640n,
      1_700_000_000_123_456_789n,
      1_600_000_000_987_654_321n,
    ]);
    if (process.getuid?.() === 0) expect([stats.UID, stats.GID]).toEqual([1234n, 5678n]);
    expect(
      Object.keys(STAT)
        .filter((k) => k !== 'FIELDS')
        .map((k) => STAT[k as keyof typeof STAT])
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: STAT.FIELDS }, (_, i) => i));
  });

  it('decodes names as Node does: spaces, newlines, non-ASCII and bytes that are not UTF-8', () => {
    for (const name of ['a b', 'line\nbreak', 'café ☕', '日本語', '.hidden']) writeFileSync(join(root, name), name);
    writeFileSync(Buffer.concat([Buffer.from(`${root}/`), Buffer.from([0x66, 0xff, 0x6f])]), 'latin');
    expect([...entries(root).keys()].sort()).toEqual(readdirSync(root).sort());
    expect(entries(root).size).toBe(6);
  });

  it('lists an empty directory and a large one', () => {
    expect(entries(root).size).toBe(0);
    for (let i = 0; i < 5000; i++) writeFileSync(join(root, `f${i}-${'x'.repeat(i % 200)}`), '');
    const found = entries(root);
    expect(found.size).toBe(5000);
    expect([...found.values()].every((e) => e.kind === KIND.FILE && e.errno === 0 && e.stats[STAT.SIZE] === 0n)).toBe(true);
  });

  it("throws Node's readdir errors: code, errno, syscall and message", () => {
    writeFileSync(join(root, 'file'), '');
    for (const path of [join(root, 'missing'), join(root, 'file')]) {
      let nodeError: NodeJS.ErrnoException | undefined;
      try {
        readdirSync(path);
      } catch (err) {
        nodeError = err as NodeJS.ErrnoException;
      }
      expect(() => scan(path)).toThrow(expect.objectContaining({ code: nodeError!.code, errno: nodeError!.errno, syscall: 'scandir' }));
    }
    expect(() => scan(join(root, 'file'))).toThrow(`ENOTDIR: not a directory, scandir '${join(root, 'file')}'`);
  });
});

describeBuilt('FileHasher (native, direct mode)', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hoard-hashwrite-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Writes `chunks` in batches of up to three through a direct-mode FileHasher, then finishes it. */
  const writeThrough = async (fd: number, chunks: Buffer[]) => {
    const hasher = new FileHasher!(fd, { direct: true });
    const call = (run: (cb: (error: Error | null) => void) => void) =>
      new Promise<void>((resolve, reject) => run((error) => (error ? reject(error) : resolve())));
    for (let i = 0; i < chunks.length; i += 3) await call((cb) => hasher.write(chunks.slice(i, i + 3), cb));
    await call((cb) => hasher.finish(cb));
    return { directBytes: hasher.directBytes, digest: hasher.digest() };
  };

  /** Cuts `size` random bytes into chunks of uneven sizes (from a few bytes to over a staging buffer). */
  const unevenChunks = (size: number) => {
    const whole = randomBytes(size);
    const chunks: Buffer[] = [];
    const cuts = [1, 4095, 65_536, 7, (1 << 20) + 3, 12_345, 333_333];
    for (let at = 0, i = 0; at < size; i++) {
      const n = Math.min(cuts[i % cuts.length], size - at);
      chunks.push(whole.subarray(at, at + n));
      at += n;
    }
    return { whole, chunks };
  };

  const directSupported = () => {
    try {
      closeSync(openSync(join(root, 'probe'), constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EINVAL') return false;
      throw error;
    }
  };

  it('writes and hashes every byte around the block, threshold and staging sizes; large files go past the cache', async () => {
    const direct = directSupported();
    const MiB = 1 << 20;
    for (const size of [0, 1, 4095, 4096, 4097, 65_535, 65_536, 65_537, MiB - 1, MiB, MiB + 1, 3 * MiB + 4097]) {
      const { whole, chunks } = unevenChunks(size);
      const file = join(root, `f${size}`);
      const fd = openSync(file, 'wx');
      let out;
      try {
        out = await writeThrough(fd, chunks);
      } finally {
        closeSync(fd);
      }
      const expectedDirect = direct && size >= 65_536 ? Math.floor(size / 4096) * 4096 : 0;
      expect({ size, digest: out.digest, directBytes: out.directBytes }).toEqual({
        size,
        digest: createHash('sha256').update(whole).digest('hex'),
        directBytes: expectedDirect,
      });
      expect(readFileSync(file).equals(whole)).toBe(true);
    }
  });

  it('reports a failed write, buffered or direct', async () => {
    writeFileSync(join(root, 'ro'), '');
    for (const size of [10, 3 << 20]) {
      const fd = openSync(join(root, 'ro'), 'r');
      try {
        await expect(writeThrough(fd, [randomBytes(size)])).rejects.toMatchObject({ code: 'EBADF', syscall: 'write' });
      } finally {
        closeSync(fd);
      }
    }
  });

  // ramfs refuses O_DIRECT; mounting one takes a private mount namespace (root in CI, or user namespaces).
  const ramfsWorks = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t ramfs none /mnt'], { stdio: 'ignore' }).status === 0;
  (ramfsWorks || required ? it : it.skip)('writes through the page cache on a file system that refuses O_DIRECT', () => {
    const script = `
      const { FileHasher } = require(${JSON.stringify(join(__dirname, 'index.js'))});
      const { createHash, randomBytes } = require('node:crypto');
      const fs = require('node:fs');
      const data = randomBytes((3 << 20) + 5);
      const fd = fs.openSync('/mnt/blob', 'wx');
      const h = new FileHasher(fd, { direct: true });
      h.write([data], (e1) => h.finish((e2) => {
        fs.closeSync(fd);
        const back = fs.readFileSync('/mnt/blob');
        console.log(JSON.stringify({ errors: [e1, e2].filter(Boolean).map(String), directBytes: h.directBytes,
          digestOk: h.digest() === createHash('sha256').update(data).digest('hex'), contentOk: back.equals(data) }));
      }));`;
    const res = spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t ramfs none /mnt && exec "${process.execPath}" -e "$0"`, script], {
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual({ errors: [], directBytes: 0, digestOk: true, contentOk: true });
  });
});

describeBuilt('PoolHasher and digestEach (native)', () => {
  const hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const call = <T>(start: (done: (error: Error | null, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));

  it('hashes a file read on the thread pool and buffers handed over, in the order given, as one SHA-256', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoard-hash-read-'));
    try {
      const head = randomBytes((2 << 20) + 3);
      const tail = randomBytes(777);
      writeFileSync(join(dir, 'f'), Buffer.concat([randomBytes(10), head]));
      const fd = openSync(join(dir, 'f'), 'r');
      const sut = new PoolHasher!();
      try {
        expect(await call<number>((done) => sut.readFrom(fd, 10, head.length + 100, done))).toBe(head.length);
        await call<void>((done) => sut.update([tail.subarray(0, 7), tail.subarray(7)], (e) => done(e, undefined)));
        expect(sut.digest()).toBe(hex(Buffer.concat([head, tail])));
        expect(() => sut.digest()).toThrow('already given its digest');
        expect(() => sut.update([], () => undefined)).toThrow('already given its digest');
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what failed: a read of a bad descriptor, arguments of the wrong kind', async () => {
    await expect(call<number>((done) => new PoolHasher!().readFrom(987654, 0, 10, done))).rejects.toMatchObject({
      code: 'EBADF',
      syscall: 'read',
    });
    // Thrown by the addon, from outside the specs' realm: matched by message.
    expect(() => new PoolHasher!().readFrom(-1, 0, 10, () => undefined)).toThrow('must be numbers, 0 or more');
    expect(() => new PoolHasher!().update(['text' as unknown as Buffer], () => undefined)).toThrow('must be an array of Buffers');
    expect(() => digestEach!('nope' as unknown as Buffer[], () => undefined)).toThrow('must be an array of Buffers');
  });

  it('gives the digest of each buffer on its own', async () => {
    const buffers = Array.from({ length: 300 }, (_, i) => randomBytes(i * 13));
    expect(await call<string[]>((done) => digestEach!(buffers, done))).toEqual(buffers.map(hex));
    expect(await call<string[]>((done) => digestEach!([], done))).toEqual([]);
  });
});

describeBuilt('trimHeap (native)', () => {
  it("gives the C heap's freed memory back to the system (glibc)", () => {
    // In a process of its own: 160 MiB of 8 KiB buffers (each from the C heap), dropped and collected (the second
    // collection waits for the first one's release of their memory), are still resident until the trim.
    const script = `
      const { trimHeap } = require(${JSON.stringify(join(__dirname))});
      let buffers = [];
      for (let i = 0; i < 20000; i++) buffers.push(Buffer.alloc(8192, 1));
      buffers = null;
      gc();
      gc();
      const held = process.memoryUsage().rss;
      const released = trimHeap();
      console.log(JSON.stringify({ held, released, trimmed: process.memoryUsage().rss }));`;
    const res = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    const { held, released, trimmed } = JSON.parse(res.stdout) as { held: number; released: boolean; trimmed: number };
    expect(released).toBe(true);
    expect(held - trimmed).toBeGreaterThan(120 * 1024 * 1024);
  });
});
