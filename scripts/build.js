#!/usr/bin/env node
'use strict';
// Builds dist/ from the TypeScript sources, only as far as they changed: `tsc -b` keeps its build info in dist/ and
// does nothing when the output is up to date (a fraction of a second), so `npm start` and `npm run keys` can run it
// every time. The path aliases (@app/…) are rewritten by tsc-alias only after tsc emitted something.
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
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

/**
 * The web console (apps/console, Vite) is built into dist/console only when its sources, or the versions of what
 * builds it, changed since the last build: a digest of them is kept beside it in dist/console.stamp.
 */
function buildConsole() {
  const dir = path.join(root, 'apps', 'console');
  const out = path.join(root, 'dist', 'console');
  const stampFile = path.join(root, 'dist', 'console.stamp');
  const hash = createHash('sha256');
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else
        hash
          .update(`${path.relative(dir, full)}\0`)
          .update(readFileSync(full))
          .update('\0');
    }
  };
  walk(dir);
  for (const pkg of ['vite', 'preact']) hash.update(require(require.resolve(`${pkg}/package.json`, { paths: [root] })).version);
  const digest = hash.digest('hex');
  const built = existsSync(path.join(out, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === digest;
  if (built) return 0;
  // vite's package exports no bin path: its directory is found through its package.json.
  const vite = path.join(path.dirname(require.resolve('vite/package.json', { paths: [root] })), 'bin', 'vite.js');
  const status = run(vite, ['build', '--config', path.join(dir, 'vite.config.mts')]);
  if (status === 0) writeFileSync(stampFile, digest);
  return status;
}

const before = stamp();
// Build info that outlived the files it describes (dist/ emptied by hand) must not pass for an up-to-date build.
const force = existsSync(entry) ? [] : ['--force'];
const status = run('typescript/bin/tsc', ['-b', config, ...force]);
if (stamp() !== before) {
  const aliased = run('tsc-alias/dist/bin/index.js', ['-p', config]);
  if (aliased !== 0) process.exit(aliased);
}
if (status !== 0) process.exit(status);
process.exit(buildConsole());
