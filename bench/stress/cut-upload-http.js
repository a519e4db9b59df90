#!/usr/bin/env node
'use strict';
// Over HTTP: rounds of PUTs that declare 20 MiB, send part of it and vanish, beside clients streaming packs of small
// blobs. Afterwards every digest the server said it stored is downloaded and hashed.
//   node bench/stress/cut-upload-http.js [rounds=100] [cuts per round=16]   (HOARD_DIST=<dist dir> for another build)
const { spawn } = require('node:child_process');
const { createHash, randomBytes } = require('node:crypto');
const { mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { connect, createServer } = require('node:net');
const { tmpdir } = require('node:os');
const path = require('node:path');

const dist = path.resolve(process.env.HOARD_DIST ?? path.join(__dirname, '..', '..', 'dist'));
const rounds = Number(process.argv[2] ?? 100);
const cuts = Number(process.argv[3] ?? 16);
const CUT_BYTES = 20 << 20;
const PACK_CLIENTS = 2;
const PARTS = 100;
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

async function startServer() {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hoard-cut-http-'));
  const key = `hk_stress_${randomBytes(16).toString('hex')}`;
  const env = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    HOARD_DATA_DIR: dataDir,
    HOARD_BOOTSTRAP_ADMIN_KEY: key,
    HOARD_LOG_LEVEL: 'error',
  };
  const proc = spawn(process.execPath, [path.join(dist, 'apps', 'server', 'src', 'main.js')], { env, stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if ((await fetch(`${url}/ready`).catch(() => null))?.ok) return { url, port, key, dataDir, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('the server did not start');
}

function cutOffPut(port, key) {
  const sent = (1 + Math.floor(Math.random() * 16)) << 20;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', resolve);
    socket.on('close', resolve);
    socket.on('connect', async () => {
      socket.write(
        `PUT /api/v1/blobs/${sha(randomBytes(8))} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${CUT_BYTES}\r\n\r\n`,
      );
      for (let n = 0; n < sent; n += 1 << 20) if (!socket.write(randomBytes(1 << 20))) await new Promise((r) => socket.once('drain', r));
      socket.destroy();
    });
  });
}

async function streamPacks(server, state) {
  const stored = [];
  while (!state.done) {
    const form = new FormData();
    for (let i = 0; i < PARTS; i++) {
      const data = randomBytes(1024 + Math.floor(Math.random() * 250_000));
      form.append(sha(data), new Blob([data]), 'part');
    }
    const res = await fetch(`${server.url}/api/v1/blobs/pack`, { method: 'POST', headers: { 'x-api-key': server.key }, body: form });
    if (res.status !== 200) throw new Error(`pack answered ${res.status}: ${await res.text()}`);
    for (const item of (await res.json()).items) if ('size' in item) stored.push(item.sha256);
  }
  return stored;
}

(async () => {
  const server = await startServer();
  const started = Date.now();
  try {
    const state = { done: false };
    const packs = Array.from({ length: PACK_CLIENTS }, () => streamPacks(server, state));
    for (let round = 0; round < rounds; round++) await Promise.all(Array.from({ length: cuts }, () => cutOffPut(server.port, server.key)));
    state.done = true;
    const stored = [...new Set((await Promise.all(packs)).flat())];
    const wrong = [];
    for (const digest of stored) {
      const res = await fetch(`${server.url}/api/v1/blobs/${digest}`, { headers: { 'x-api-key': server.key } });
      const body = Buffer.from(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
      if (res.status !== 200 || sha(body) !== digest) wrong.push(`${digest}: ${res.status}, ${body.length} bytes`);
    }
    const tmp = readdirSync(path.join(server.dataDir, 'blobs', '.tmp'));
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `${rounds} rounds of ${cuts} cut-off PUTs beside ${PACK_CLIENTS} pack clients in ${seconds} s: ${stored.length} parts stored, ${wrong.length} wrong, ${tmp.length} temporary files left`,
    );
    for (const line of wrong.slice(0, 10)) console.log(`  wrong ${line}`);
    process.exitCode = wrong.length > 0 ? 1 : 0;
  } finally {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
    rmSync(server.dataDir, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(error);
  process.exitCode = 2;
});
