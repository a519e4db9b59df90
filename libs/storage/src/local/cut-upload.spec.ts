import { FileHasher } from '@hoard/native';
import { fstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { randomBlob, sha256Of } from '../testing/blob-bodies';
import { LocalFsBlobStore } from './local-fs-blob-store';

/** A write to a file that the test holds back (queued, not yet run) until it opens the gate. */
interface HeldWrite {
  fd: number;
  run(): void;
}

/**
 * Holds every write of the store's sinks, native (FileHasher.write, a thread-pool job) or JS (fs.writev), so that a
 * test decides when each one runs; once opened, held writes run in order and later ones pass straight through.
 */
class WriteGate {
  private readonly held: HeldWrite[] = [];
  private readonly waiters: Array<(write: HeldWrite) => void> = [];
  private taken = 0;
  private opened = false;
  private readonly restore: () => void;

  constructor(native: boolean) {
    const hold = (fd: number, run: () => void) => {
      if (this.opened) return run();
      const write = { fd, run };
      this.held.push(write);
      this.waiters.shift()?.(write);
    };
    if (native) {
      const proto = FileHasher!.prototype;
      const original = proto.write;
      const spy = jest.spyOn(proto, 'write').mockImplementation(function (this: typeof proto & { fd: number }, buffers, callback) {
        hold(this.fd, () => original.call(this, buffers, callback));
      });
      this.restore = () => spy.mockRestore();
    } else {
      // The module object itself (an `import *` gives a frozen copy): the sink looks writev up on it at each call.
      const fsModule = require('node:fs') as typeof import('node:fs');
      const original = fsModule.writev;
      const spy = jest.spyOn(fsModule, 'writev').mockImplementation(((fd: number, buffers: NodeJS.ArrayBufferView[], callback: never) => {
        hold(fd, () => original(fd, buffers, callback));
      }) as typeof fsModule.writev);
      this.restore = () => spy.mockRestore();
    }
  }

  /** The next write to be held (resolves once it has been asked for). */
  next(): Promise<HeldWrite> {
    const index = this.taken++;
    if (index < this.held.length) return Promise.resolve(this.held[index]);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Runs the held writes in the order they were asked for; later writes are no longer held. */
  open(): void {
    this.opened = true;
    for (const write of this.held.splice(0)) write.run();
  }

  dispose(): void {
    this.restore();
  }
}

// The scenario of a client that vanishes mid-upload: upload A has one large chunk on its way to the disk when its
// body fails; upload B starts right after. A's write must land in A's file, never in B's.
describe.each([
  ['native', true],
  ['js', false],
])('LocalFsBlobStore: an upload cut while its write is in flight (%s writes)', (_name, native) => {
  let root: string;
  let gate: WriteGate;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hoard-cut-'));
    gate = new WriteGate(native);
  });
  afterEach(() => {
    gate.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  if (native) it('has the native helpers to test', () => expect(FileHasher).not.toBeNull());

  it("keeps the cut upload's descriptor until its write is over, so the next upload's file never receives it", async () => {
    const sut = new LocalFsBlobStore({ root, nativeWrites: native });
    await sut.init();
    const a = randomBlob(2 << 20);
    const b = randomBlob(1 << 20);

    const bodyA = new PassThrough();
    const putA = sut.put(a.sha, bodyA);
    putA.catch(() => undefined);
    bodyA.write(a.bytes);
    const writeA = await gate.next();
    const [tmpA] = readdirSync(join(root, '.tmp'));
    const fileA = statSync(join(root, '.tmp', tmpA)).ino;
    bodyA.destroy(new Error('the client went away'));

    const bodyB = new PassThrough();
    const putB = sut.put(b.sha, bodyB, { expectedSize: b.bytes.length });
    bodyB.end(b.bytes);
    const writeB = await gate.next();
    // A's write is still to run: its descriptor must still be open on A's own file.
    expect(fstatSync(writeA.fd).ino).toBe(fileA);
    expect(writeB.fd).not.toBe(writeA.fd);

    gate.open();
    await expect(putA).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(putB).resolves.toEqual({ sha256: b.sha, size: b.bytes.length, created: true });
    expect(sha256Of(readFileSync(join(root, b.sha.slice(0, 2), b.sha)))).toBe(b.sha);
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
  });
});
