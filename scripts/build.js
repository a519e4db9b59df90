#!/usr/bin/env node
'use strict';
// Builds dist/ from the TypeScript sources, only as far as they changed: `tsc -b` keeps its build info in dist/ and
// does nothing when the output is up to date (a fraction of a second), so `npm start` and `npm run keys` can run it
// every time. The path aliases (@app/…) are rewritten by tsc-alias only after tsc emitted something.
const { spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const config = 'tsconfig.build.json';
const buildInfo = path.join(root, 'dist', 'tsconfig.build.tsbuildinfo');
const entry = path.join(root, 'dist', 'apps', 'server', 'src', 'main.js');

const stamp = () => (existsSync(buildInfo) ? statSync(buildInfo).mtimeMs : 0);

function run(bin, args) {
  const result = spawnSync(process.execPath, [require.resolve(bin, { paths: [root] }), ...args], { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const before = stamp();
// Build info that outlived the files it describes (dist/ emptied by hand) must not pass for an up-to-date build.
const force = existsSync(entry) ? [] : ['--force'];
const status = run('typescript/bin/tsc', ['-b', config, ...force]);
if (stamp() !== before) {
  const aliased = run('tsc-alias/dist/bin/index.js', ['-p', config]);
  if (aliased !== 0) process.exit(aliased);
}
process.exit(status);
