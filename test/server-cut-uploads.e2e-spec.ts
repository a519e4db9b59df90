import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { FormData } from 'undici';
import { blobFilesOnDisk, Http, sha256, useServerWithKeys } from './support/http';
import type { RunningServer } from './support/server';

const ROUNDS = 4;
const CUTS_PER_ROUND = 8;
const CUT_BYTES = 20 << 20;
const PACK_CLIENTS = 2;
const PARTS_PER_PACK = 60;

/** A PUT that declares CUT_BYTES, sends a random part of them, and vanishes (the socket is destroyed). */
async function cutOffPut(port: number, key: string): Promise<void> {
  const sent = (1 + Math.floor(Math.random() * 12)) << 20;
  const sha = sha256(randomBytes(32));
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('connect', async () => {
      socket.write(
        `PUT /api/v1/blobs/${sha} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${CUT_BYTES}\r\n\r\n`,
      );
      for (let n = 0; n < sent; n += 1 << 20) {
        if (!socket.write(randomBytes(1 << 20))) await new Promise((r) => socket.once('drain', r));
      }
      socket.destroy();
    });
  });
}

/** Sends packs of small random blobs until `until` settles; returns every digest the server said it stored. */
async function streamPacks(http: Http, until: Promise<unknown>): Promise<string[]> {
  const stored: string[] = [];
  let done = false;
  void until.then(() => (done = true));
  while (!done) {
    const form = new FormData();
    for (let i = 0; i < PARTS_PER_PACK; i++) {
      const data = randomBytes(4096 + Math.floor(Math.random() * 250_000));
      form.append(sha256(data), new Blob([data]), 'part');
    }
    const res = await http.post('/api/v1/blobs/pack', undefined, { body: form });
    if (res.status !== 200) throw new Error(`pack answered ${res.status}: ${res.text}`);
    for (const item of res.json().items) if ('size' in item) stored.push(item.sha256);
  }
  return stored;
}

// Clients that vanish mid-upload beside clients that stream packs: whatever the server said it stored must be
// exactly the bytes of its digest (issue: a cut upload's late write landed in another upload's file).
describe('server: uploads cut off beside streaming packs', () => {
  let server: RunningServer;
  let writer: Http;
  useServerWithKeys((s) => ({ server, writer } = s));

  it('stores every pack part exactly, round after round of vanishing clients, and leaves no temporary file', async () => {
    const rounds = (async () => {
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(Array.from({ length: CUTS_PER_ROUND }, () => cutOffPut(server.port, writer.key!)));
      }
    })();
    const stored = (await Promise.all(Array.from({ length: PACK_CLIENTS }, () => streamPacks(writer, rounds)))).flat();
    await rounds;
    expect(stored.length).toBeGreaterThanOrEqual(PACK_CLIENTS * PARTS_PER_PACK);
    const wrong: string[] = [];
    for (const sha of new Set(stored)) {
      const res = await writer.get(`/api/v1/blobs/${sha}`);
      if (res.status !== 200 || sha256(res.body) !== sha) wrong.push(`${sha}: ${res.status}`);
    }
    expect(wrong).toEqual([]);
    const deadline = Date.now() + 10_000;
    while (blobFilesOnDisk(server.dataDir).some((f) => f.startsWith('.tmp/')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(blobFilesOnDisk(server.dataDir).filter((f) => f.startsWith('.tmp/'))).toEqual([]);
  });
});
