import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HoardClient, PackBody } from '@app/client';
import { HoardError } from '@app/contracts';
import { PendingRecord, ScanContext } from './scan-context';
import { ScanEvent } from './scan-events';
import { UploadOutcome, UploadQueue, UploadQueueOptions } from './upload-queue';

const dir = mkdtempSync(join(tmpdir(), 'hoard-upq-'));
const fp = { size: 1n, mtimeNs: 1n, ctimeNs: 1n, ino: 1n, dev: 1n };
function item(name: string, sha: string, exists = true): PendingRecord {
  const path = join(dir, name);
  if (exists) writeFileSync(path, name);
  return { meta: { filepath: path, hostname: 'h', sha256: sha, size: name.length }, fp, fresh: true };
}

/** A client whose uploads read the body and answer after a short delay, failing for digests listed in `reject`. */
function fakeClient(reject: Map<string, HoardError> = new Map()) {
  const puts: string[] = [];
  const client = {
    async putBlobFile(sha: string, path: string) {
      puts.push(sha);
      await readFile(path);
      await new Promise((r) => setTimeout(r, 5));
      const err = reject.get(sha);
      if (err) {
        reject.delete(sha);
        throw err;
      }
      return { sha256: sha, size: 1, created: true };
    },
    /** Answers each part as the server does: stored, or refused when its digest is listed in `reject`. */
    async putBlobPack(pack: PackBody) {
      const parts = pack.parts();
      packs.push(parts.map((p) => `${p.sha256}=${p.content.toString()}`));
      await new Promise((r) => setTimeout(r, 5));
      return parts.map((p) => {
        const err = reject.get(p.sha256);
        if (!err) return { sha256: p.sha256, size: p.content.length, created: true };
        reject.delete(p.sha256);
        return { sha256: p.sha256, error: { code: err.code, message: err.message } };
      });
    },
  };
  const packs: string[][] = [];
  return { client: client as unknown as HoardClient, puts, packs };
}

describe('UploadQueue', () => {
  const events: ScanEvent[] = [];
  const outcomes: Array<[string, UploadOutcome]> = [];
  // Packs off unless a test turns them on: each file its own PUT.
  const make = (client: HoardClient, options: UploadQueueOptions = { packFileMax: 0 }) => {
    events.length = 0;
    outcomes.length = 0;
    const ctx = new ScanContext(client, null, 'h', false, (e) => events.push(e));
    return new UploadQueue(ctx, 2, (i, o) => outcomes.push([i.meta.filepath.slice(dir.length + 1), o]), options);
  };

  it('sends each digest once in a run, even when copies arrive while it is being sent', async () => {
    const { client, puts } = fakeClient();
    const sut = make(client);
    for (const [name, sha] of [['a', 'x'], ['b', 'x'], ['c', 'y'], ['d', 'x']]) await sut.push(item(name, sha));
    await sut.drain();
    await sut.push(item('e', 'x'));
    await sut.drain();
    expect(puts.sort()).toEqual(['x', 'y']);
    expect(outcomes.sort()).toEqual([['a', 'uploaded'], ['b', 'deduplicated'], ['c', 'uploaded'], ['d', 'deduplicated'], ['e', 'deduplicated']]);
  });

  it('lets a copy try again when the first upload of its digest failed', async () => {
    const { client, puts } = fakeClient(new Map([['x', new HoardError('digest_mismatch', 'changed')]]));
    const sut = make(client);
    await sut.push(item('a', 'x'));
    await sut.push(item('b', 'x'));
    await sut.drain();
    expect(puts).toEqual(['x', 'x']);
    expect(outcomes).toEqual([['a', 'failed'], ['b', 'uploaded']]);
    expect(events[0]).toMatchObject({ event: 'failed', reason: expect.stringMatching(/changed during the scan/) });
  });

  it('reports a file gone before its upload as vanished, not failed', async () => {
    const { client } = fakeClient();
    const sut = make(client);
    await sut.push(item('gone', 'z', false));
    await sut.drain();
    expect(outcomes).toEqual([['gone', 'vanished']]);
    expect(events).toEqual([{ event: 'skipped', path: join(dir, 'gone'), reason: expect.stringMatching(/^vanished/) }]);
  });

  describe('packs of small files', () => {
    it('sends small files together, read whole, up to the file count of a pack; large files on their own', async () => {
      const { client, puts, packs } = fakeClient();
      const sut = make(client, { packFileMax: 4, packFiles: 2, packDelayMs: 10_000 });
      for (const [name, sha] of [['p1', 'a'], ['p2', 'b'], ['p3', 'c'], ['large1', 'd']]) await sut.push(item(name, sha));
      await sut.drain();
      expect(packs).toEqual([['a=p1', 'b=p2'], ['c=p3']]);
      expect(puts).toEqual(['d']);
      expect(outcomes.map(([n, o]) => `${n}:${o}`).sort()).toEqual(['large1:uploaded', 'p1:uploaded', 'p2:uploaded', 'p3:uploaded']);
      expect(events.filter((e) => e.event === 'uploaded')).toHaveLength(4);
    });

    it('sends a partly filled pack after its delay, without waiting for the drain', async () => {
      const { client, packs } = fakeClient();
      const sut = make(client, { packFileMax: 4, packDelayMs: 20 });
      await sut.push(item('q1', 'a'));
      await new Promise((r) => setTimeout(r, 60));
      expect(packs).toEqual([['a=q1']]);
      await sut.drain();
    });

    it('fails only the refused part of a pack, and a copy of it may try again', async () => {
      const { client, packs } = fakeClient(new Map([['b', new HoardError('digest_mismatch', 'changed')]]));
      const sut = make(client, { packFileMax: 4, packFiles: 2, packDelayMs: 10_000 });
      for (const [name, sha] of [['r1', 'a'], ['r2', 'b'], ['r3', 'b']]) await sut.push(item(name, sha));
      await sut.drain();
      expect(packs).toEqual([['a=r1', 'b=r2'], ['b=r3']]);
      expect(outcomes).toEqual([['r1', 'uploaded'], ['r2', 'failed'], ['r3', 'uploaded']]);
      expect(events.find((e) => e.event === 'failed')).toMatchObject({ path: join(dir, 'r2'), reason: expect.stringMatching(/changed during the scan/) });
    });

    it('reports a small file gone, or grown, before its pack left, and sends the rest', async () => {
      const { client, packs } = fakeClient();
      const sut = make(client, { packFileMax: 4, packDelayMs: 10_000 });
      const grown = item('s2', 'b');
      writeFileSync(grown.meta.filepath, 's2-longer');
      await sut.push(item('s1', 'a'));
      await sut.push(grown);
      await sut.push(item('s3', 'c', false));
      await sut.drain();
      expect(packs).toEqual([['a=s1']]);
      expect(outcomes).toEqual([['s2', 'failed'], ['s3', 'vanished'], ['s1', 'uploaded']]);
    });

    it('fails every file of a pack whose request failed', async () => {
      const { client } = fakeClient();
      (client as unknown as { putBlobPack: () => Promise<never> }).putBlobPack = async () => {
        throw new HoardError('internal_error', 'boom');
      };
      const sut = make(client, { packFileMax: 4, packDelayMs: 10_000 });
      await sut.push(item('t1', 'a'));
      await sut.push(item('t2', 'b'));
      await sut.drain();
      expect(outcomes).toEqual([['t1', 'failed'], ['t2', 'failed']]);
      expect(events.every((e) => e.event === 'failed' && /upload failed: boom/.test((e as { reason: string }).reason))).toBe(true);
    });

    it('holds the producer back while more files than a few packs wait, copies of one content included', async () => {
      const { client, packs } = fakeClient();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const real = (client as unknown as { putBlobPack: (p: PackBody) => Promise<unknown> }).putBlobPack;
      (client as unknown as { putBlobPack: (p: PackBody) => Promise<unknown> }).putBlobPack = async (p) => {
        await gate;
        return real(p);
      };
      // Room for 2 packs of 2 files (one in flight, one filling): the 5th file held makes push wait.
      const sut = make(client, { packFileMax: 4, packFiles: 2, packsInFlight: 1, packDelayMs: 10_000 });
      const pushed: number[] = [];
      const all = Array.from({ length: 7 }, (_, i) => sut.push(item(`h${i}`, 'same')).then(() => pushed.push(i)));
      await new Promise((r) => setTimeout(r, 30));
      expect(pushed.length).toBeLessThan(7);
      release();
      await Promise.all(all);
      await sut.drain();
      expect(packs).toEqual([['same=h0']]);
      expect(outcomes.filter(([, o]) => o === 'deduplicated')).toHaveLength(6);
    });

    it('falls back to one PUT a file, for this file and every later one, when the server has no pack route', async () => {
      const { client, puts } = fakeClient();
      let packCalls = 0;
      (client as unknown as { putBlobPack: () => Promise<never> }).putBlobPack = async () => {
        packCalls++;
        throw new HoardError('not_found', 'Cannot POST /api/v1/blobs/pack');
      };
      const sut = make(client, { packFileMax: 4, packFiles: 2, packDelayMs: 10_000 });
      for (const [name, sha] of [['o1', 'a'], ['o2', 'b'], ['o3', 'c']]) await sut.push(item(name, sha));
      await sut.drain();
      expect(packCalls).toBe(1);
      expect(puts.sort()).toEqual(['a', 'b', 'c']);
      expect(outcomes.map(([n, o]) => `${n}:${o}`).sort()).toEqual(['o1:uploaded', 'o2:uploaded', 'o3:uploaded']);
      expect(events.some((e) => e.event === 'failed')).toBe(false);
    });
  });
});
