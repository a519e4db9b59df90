'use strict';
// Hostile and heavy load on the JSON routes: keyless floods, a body of many keys, /health beside a storm of checks.
const { execFile } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const http = require('node:http');
const { connect } = require('node:net');
const { ProductFailure } = require('./report');

const BULK_ROUTES = ['/api/v1/blobs/missing', '/api/v1/files/batch', '/api/v1/files/seen'];

/** An 8 MB JSON body of 2,000,000 bad digests. */
function floodBody() {
  const item = '"zzzz",';
  return Buffer.from(`{"sha256":[${item.repeat(Math.floor((8_000_000 - 20) / item.length)).slice(0, -1)}]}`);
}

/** Sends a request over a raw socket; resolves with the time to the whole answer, its size and its status. */
function rawTimed(port, head, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = () => {
      if (done) return;
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, end));
      if (end === -1 || !length || text.length < end + 4 + Number(length[1])) return;
      done = true;
      socket.destroy();
      resolve({
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        bytes: end + 4 + Number(length[1]),
        status: Number(text.split(' ')[1]),
      });
    };
    socket.on('data', (c) => {
      text += c.toString('latin1');
      finish();
    });
    socket.on('error', () => finish());
    socket.on('close', () => (done ? undefined : reject(new ProductFailure(`no complete answer (${text.slice(0, 80)})`))));
    socket.on('connect', () => {
      socket.write(head);
      if (body) socket.write(body, () => undefined);
    });
  });
}

/** Every bulk route, an 8 MB keyless body each: the slowest 401 and the largest answer. */
async function measureKeylessFlood(server) {
  const body = floodBody();
  const port = Number(new URL(server.url).port);
  let slowest = 0;
  let largest = 0;
  for (const route of BULK_ROUTES) {
    for (let i = 0; i < 3; i++) {
      const head = `POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      const res = await rawTimed(port, head, body);
      if (res.status !== 401) throw new ProductFailure(`${route} answered a keyless 8 MB body ${res.status}`);
      slowest = Math.max(slowest, res.ms);
      largest = Math.max(largest, res.bytes);
    }
  }
  return { slowestMs: slowest, largestBytes: largest };
}

/** A 16 MiB object of 950,000 keys with a write key: time to its 4xx. */
async function measureManyKeys(server) {
  const count = 950_000;
  const pad = Math.floor((16 * 1024 * 1024 - 2) / count) - 5;
  const parts = [];
  for (let i = 0; i < count; i++) parts.push(`"${String(i).padStart(pad, 'k')}":0`);
  const body = Buffer.from(`{${parts.join(',')}}`);
  const head =
    `POST /api/v1/files HTTP/1.1\r\nHost: x\r\nX-API-Key: ${server.adminKey}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\n\r\n`;
  const res = await rawTimed(Number(new URL(server.url).port), head, body);
  if (res.status < 400 || res.status >= 500) throw new ProductFailure(`950,000 keys answered ${res.status}`);
  return res.ms;
}

/**
 * `connections` clients each POST /api/v1/blobs/missing with `digests` digests, again and again for `seconds`;
 * meanwhile another process asks /health every 100 ms on a new connection. Returns the p99 and the slowest.
 */
async function measureHealthUnderLoad(server, { connections = 50, digests = 10_000, seconds = 10 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const body = Buffer.from(JSON.stringify({ sha256: Array.from({ length: digests }, () => randomBytes(32).toString('hex')) }));
  const until = Date.now() + seconds * 1000;
  let answered = 0;
  const post = () =>
    new Promise((resolve) => {
      const req = http.request(`${server.url}/api/v1/blobs/missing`, {
        method: 'POST',
        agent,
        headers: { 'x-api-key': server.adminKey, 'content-type': 'application/json', 'content-length': body.length },
      });
      req.on('response', (res) => res.resume().on('end', () => resolve(++answered)));
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const client = async () => {
    while (Date.now() < until) await post();
  };
  const probe = new Promise((resolve, reject) =>
    execFile(process.execPath, [path.join(__dirname, 'health-probe.js'), server.url, String(seconds)], (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout)),
    ),
  );
  const [samples] = await Promise.all([probe, ...Array.from({ length: connections }, client)]);
  if (samples.some((s) => s.status !== 200))
    throw new ProductFailure(`/health answered ${samples.find((s) => s.status !== 200).status} under load`);
  const latencies = samples.map((s) => s.ms);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))];
  return { p99Ms: p99, maxMs: latencies[latencies.length - 1], probes: latencies.length, checks: answered };
}

module.exports = { measureKeylessFlood, measureManyKeys, measureHealthUnderLoad };
