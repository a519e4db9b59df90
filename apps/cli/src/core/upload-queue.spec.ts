import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import { HoardError } from '@app/contracts';
import { PendingRecord, ScanContext } from './scan-context';
import { ScanEvent } from './scan-events';
import { UploadOutcome, UploadQueue } from './upload-queue';

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
    async putBlob(sha: string, body: () => NodeJS.ReadableStream) {
      puts.push(sha);
      for await (const _ of body()) void _;
      await new Promise((r) => setTimeout(r, 5));
      const err = reject.get(sha);
      if (err) {
        reject.delete(sha);
        throw err;
      }
      return { sha256: sha, size: 1, created: true };
    },
  };
  return { client: client as unknown as HoardClient, puts };
}

describe('UploadQueue', () => {
  const events: ScanEvent[] = [];
  const outcomes: Array<[string, UploadOutcome]> = [];
  const make = (client: HoardClient) => {
    events.length = 0;
    outcomes.length = 0;
    const ctx = new ScanContext(client, null, 'h', false, (e) => events.push(e));
    return new UploadQueue(ctx, 2, (i, o) => outcomes.push([i.meta.filepath.slice(dir.length + 1), o]));
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
});
