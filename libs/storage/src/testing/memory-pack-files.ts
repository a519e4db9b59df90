import { HoardError } from '@app/contracts';
import { Readable } from 'node:stream';
import type { PackAppender, PackFiles, PackFileStat } from '../packs/pack-files';

/**
 * PackFiles in memory for unit specs. Each pack keeps the bytes written to it and, apart, the bytes a datasync made
 * durable, so that a spec can "crash" (drop what was not synced) and count the calls.
 */
export class MemoryPackFiles implements PackFiles {
  readonly bytes = new Map<string, Buffer>();
  /** @param sealsOnSync behave like S3 pack files: a pack is written by one flush, then sealed. */
  constructor(readonly sealsOnSync = false) {}

  /** When each pack was last written, by the `now` of that moment. */
  readonly modified = new Map<string, number>();
  /** The clock of `modified` (a spec moves it by hand). */
  now = 0;
  readonly calls = { create: 0, write: 0, datasync: 0, close: 0 };
  /** When set, the next write fails with it (once). */
  failNextWrite: Error | null = null;

  async create(id: string): Promise<PackAppender> {
    if (this.bytes.has(id)) throw new Error(`pack ${id} exists`);
    this.calls.create++;
    this.bytes.set(id, Buffer.alloc(0));
    this.modified.set(id, this.now);
    let closed = false;
    let sealed = false;
    return {
      id,
      write: async (buffers, position) => {
        if (closed) throw new Error('closed');
        if (sealed) throw new Error(`pack ${id} is sealed`);
        this.calls.write++;
        const failure = this.failNextWrite;
        this.failNextWrite = null;
        if (failure) throw failure;
        const data = Buffer.concat(buffers);
        const old = this.bytes.get(id)!;
        const next = Buffer.alloc(Math.max(old.length, position + data.length));
        old.copy(next);
        data.copy(next, position);
        this.bytes.set(id, next);
        this.modified.set(id, this.now);
      },
      datasync: async () => {
        if (closed) throw new Error('closed');
        if (sealed) throw new Error(`pack ${id} is sealed`);
        this.calls.datasync++;
        sealed = this.sealsOnSync;
      },
      close: async () => {
        if (!closed) this.calls.close++;
        closed = true;
      },
    };
  }

  async read(id: string, offset: number, length: number): Promise<Readable> {
    return Readable.from([await this.readBytes(id, offset, length)]);
  }

  async readBytes(id: string, offset: number, length: number): Promise<Buffer> {
    const data = this.bytes.get(id);
    if (!data) throw new HoardError('not_found', `no pack ${id}`);
    return Buffer.from(data.subarray(offset, offset + length));
  }

  async list(): Promise<PackFileStat[]> {
    return [...this.bytes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, data]) => ({ id, size: data.length, modifiedAt: this.modified.get(id) ?? 0 }));
  }

  async truncate(id: string, size: number): Promise<void> {
    this.bytes.set(id, Buffer.from(this.bytes.get(id)!.subarray(0, size)));
  }

  async remove(id: string): Promise<boolean> {
    this.modified.delete(id);
    return this.bytes.delete(id);
  }
}
