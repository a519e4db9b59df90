#!/usr/bin/env node
'use strict';
// `npm run bench [-- server|cli|backends|packs …]`: runs the selected scenario groups and prints every figure beside
// its reference from the same run. Exits non-zero only when the harness itself failed; a missed bar is a FAIL
// row in the table.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { copyBuild } = require('./lib/build-copy');
const { baseDir, cleanupAll, installSignalHandlers } = require('./lib/cleanup');
const { log } = require('./lib/log');
const report = require('./lib/report');
const { selectScale } = require('./lib/scale');

const GROUPS = {
  server: () => require('./server.bench'),
  cli: () => require('./cli.bench'),
  backends: () => require('./backends.bench'),
  packs: () => require('./packs.bench'),
  watch: () => require('./watch.bench'),
  lifecycle: () => require('./lifecycle.bench'),
  objects: () => require('./objects.bench'),
  console: () => require('./console.bench'),
  audit: () => require('./audit.bench'),
};

function usage() {
  return [
    'usage: npm run bench [-- <group>…]   groups: ' + Object.keys(GROUPS).join(', ') + ' (default: all)',
    'env:   BENCH_SCALE=full|small (default full: the sizes the issues name)',
    '       BENCH_REPEATS=<n> timed rounds per throughput figure (best taken)',
    '       BENCH_TMPDIR=<dir> where data and servers live (default the system temp dir)',
    '       BENCH_SKIP_SETUP=1 skip bench/setup.sh (installing nginx, restic, openssl)',
  ].join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const unknown = args.filter((a) => !GROUPS[a]);
  if (unknown.length) {
    process.stderr.write(`unknown group: ${unknown.join(', ')}\n${usage()}\n`);
    return 2;
  }
  const groups = args.length ? [...new Set(args)] : Object.keys(GROUPS);
  let scale;
  try {
    scale = selectScale();
  } catch (err) {
    process.stderr.write(`${err.message}\n${usage()}\n`);
    return 2;
  }
  installSignalHandlers();
  log('bench', `scale ${scale.name}, groups ${groups.join(', ')}, data under ${baseDir()}`);

  if (process.env.BENCH_SKIP_SETUP !== '1') {
    log('bench', 'checking reference programs (bench/setup.sh)');
    const setup = spawnSync('bash', [path.join(__dirname, 'setup.sh')], { stdio: 'inherit' });
    if (setup.status !== 0) log('bench', 'setup.sh failed; scenarios needing a missing program report N/A');
  }

  const copy = copyBuild();
  if (copy) log('bench', `measuring a copy of the build: ${path.relative(process.cwd(), copy)}`);
  else log('bench', 'no dist/ found: run npm run build (scenarios needing it report N/A)');

  const started = Date.now();
  for (const group of groups) {
    log(group, 'starting');
    try {
      await GROUPS[group]().run(scale, { groups });
    } catch (err) {
      // Scenario files measure inside `measure`, so reaching here means the harness itself broke.
      log(group, `harness error: ${err && err.stack ? err.stack : err}`);
      report.addUnmeasured(group, ['(group)'], 'ERROR', `harness error: ${String(err && err.message ? err.message : err)}`);
    }
    await cleanupAll();
  }

  const file = report.finish({ scale, groups, started_at: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000 });
  process.stdout.write(
    `\nresults: ${path.relative(process.cwd(), file)}; ${report.failures} bar(s) missed, ${report.harnessErrors} harness error(s)\n`,
  );
  return report.harnessErrors > 0 ? 1 : 0;
}

main().then(
  (code) => cleanupAll().then(() => process.exit(code)),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    cleanupAll().finally(() => process.exit(1));
  },
);
