import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentScanOf } from './content-scan-of';
import { LocalFsBlobStore } from './local/local-fs-blob-store';
import { MemoryBlobStore } from './memory/memory-blob-store';
import { LocalPackFiles } from './packs/local-pack-files';
import { MemoryPackIndex } from './packs/memory-pack-index';
import { PackedBlobStore } from './packs/packed-blob-store';
import { collect, randomBlob, sha256Of, streamOf } from './testing/blob-bodies';

describe('contentScanOf', () => {
  let root: string;
  let loose: LocalFsBlobStore;
  let index: MemoryPackIndex;
  let store: PackedBlobStore;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'hoard-scan-'));
    loose = new LocalFsBlobStore({ root });
    index = new MemoryPackIndex();
    store = new PackedBlobStore({ loose, index, files: new LocalPackFiles(root), threshold: 4096 });
    await store.init();
  });

  afterEach(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows a packing store as its packs, each read in one pass, and its loose blobs apart', async () => {
    const small = [randomBlob(100), randomBlob(2000), randomBlob(4095)];
    const large = [randomBlob(5000), randomBlob(300_000)];
    await Promise.all(small.map((b) => store.put(b.sha, streamOf(b.bytes))));
    for (const b of large) await store.put(b.sha, streamOf(b.bytes));
    // A loose copy of packed content (stored before packs, say): the packed copy is the one read.
    await loose.put(small[0].sha, streamOf(small[0].bytes));
    const sut = contentScanOf(store);

    const packIds = await sut.packIds();
    expect(packIds).toHaveLength(1);
    const entries = await sut.entriesOf(packIds[0]);
    expect(entries.map((e) => e.sha256).sort()).toEqual(small.map((b) => b.sha).sort());
    const windows = await collect(sut.readEntries(packIds[0], entries, 1 << 20));
    expect(windows).toHaveLength(1);
    expect(windows[0].bytes.map((b) => sha256Of(b))).toEqual(windows[0].entries.map((e) => e.sha256));

    const listed = await collect(sut.listLoose());
    expect(listed.map((b) => b.sha256)).toEqual([...large.map((b) => b.sha), small[0].sha].sort());
    expect(await sut.packed(listed.map((b) => b.sha256))).toEqual(new Set([small[0].sha]));
    expect(await sut.packed([])).toEqual(new Set());
    for (const b of large) expect(await sut.hashLoose(b.sha)).toEqual({ bytes: b.bytes.length, sha256: b.sha });
    await expect(sut.hashLoose(small[1].sha)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('shows a store without packs as its blobs alone', async () => {
    const memory = new MemoryBlobStore();
    const blobs = [randomBlob(10), randomBlob(70_000)].sort((a, b) => (a.sha < b.sha ? -1 : 1));
    for (const b of blobs) await memory.put(b.sha, streamOf(b.bytes));
    const sut = contentScanOf(memory);

    expect(await sut.packIds()).toEqual([]);
    expect(await sut.entriesOf('ab'.repeat(16))).toEqual([]);
    expect(await collect(sut.readEntries('ab'.repeat(16), [], 1))).toEqual([]);
    expect(await collect(sut.listLoose(blobs[0].sha))).toEqual([{ sha256: blobs[1].sha, size: blobs[1].bytes.length }]);
    expect(await sut.packed(blobs.map((b) => b.sha))).toEqual(new Set());
    memory.corrupt(blobs[1].sha, Buffer.from('rot'));
    expect(await sut.hashLoose(blobs[1].sha)).toEqual({ bytes: 3, sha256: sha256Of(Buffer.from('rot')) });
  });
});
