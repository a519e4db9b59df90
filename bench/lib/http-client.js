'use strict';
// The one HTTP client every figure and its reference go through (node:http, keep-alive, streamed bodies).
const { createReadStream, statSync } = require('node:fs');
const http = require('node:http');
const { ProductFailure } = require('./report');

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One request; `via` is the agent (default the shared keep-alive one, 16 sockets). */
function request(url, { method = 'GET', headers = {}, body, onData, via = agent } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method, headers, agent: via }, (res) => {
      let bytes = 0;
      const chunks = [];
      res.on('data', (c) => {
        bytes += c.length;
        if (onData) onData(c);
        else chunks.push(c);
      });
      res.once('error', reject);
      res.once('end', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        resolve({ status: res.statusCode, headers: res.headers, bytes, seconds, text: Buffer.concat(chunks).toString() });
      });
    });
    req.once('error', reject);
    if (body && typeof body.pipe === 'function') {
      body.once('error', (e) => req.destroy(e));
      body.pipe(req);
    } else req.end(body);
  });
}

/** PUTs a file streamed from disk (1 MiB reads, Content-Length set); the time runs until the response ends. */
async function putFile(url, file, headers = {}) {
  const size = statSync(file).size;
  return request(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), ...headers },
    body: createReadStream(file, { highWaterMark: 1024 * 1024 }),
  });
}

/** GETs a URL and discards the body, counting its bytes. */
function getDiscard(url, headers = {}) {
  return request(url, { headers, onData: () => {} });
}

/** POSTs JSON and parses the answer; a non-2xx answer is a ProductFailure. */
async function postJson(url, body, headers = {}) {
  const payload = Buffer.from(JSON.stringify(body));
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(payload.length), ...headers },
    body: payload,
  });
  if (res.status < 200 || res.status >= 300)
    throw new ProductFailure(`POST ${new URL(url).pathname} answered ${res.status}: ${res.text.slice(0, 300)}`);
  return { ...res, json: JSON.parse(res.text) };
}

/** Sums `hoard_http_requests_total` over every route except /metrics itself. */
async function countRequests(baseUrl) {
  const res = await request(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new ProductFailure(`GET /metrics answered ${res.status}`);
  let total = 0;
  for (const line of res.text.split('\n')) {
    if (!line.startsWith('hoard_http_requests_total')) continue;
    if (/route="\/metrics"/.test(line)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

module.exports = { request, putFile, getDiscard, postJson, countRequests, agent };
