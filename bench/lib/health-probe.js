'use strict';
// Asks <url>/health every 100 ms on a new connection for <seconds>, from its own process so that the load the
// bench generates in its own event loop cannot delay the probe; prints the latencies in ms as JSON.
const http = require('node:http');

async function main() {
  const [url, seconds] = [process.argv[2], Number(process.argv[3])];
  const until = Date.now() + seconds * 1000;
  const latencies = [];
  while (Date.now() < until) {
    const started = process.hrtime.bigint();
    const status = await new Promise((resolve) =>
      http
        .get(`${url}/health`, { agent: false }, (res) => res.resume().on('end', () => resolve(res.statusCode)))
        .on('error', () => resolve(0)),
    );
    latencies.push({ ms: Number(process.hrtime.bigint() - started) / 1e6, status });
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stdout.write(JSON.stringify(latencies));
}

main();
