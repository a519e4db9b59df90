'use strict';
// Child processes for the benchmarks: timed commands, free ports, programs on the PATH.
const { spawn } = require('node:child_process');
const { accessSync, constants } = require('node:fs');
const path = require('node:path');
const { freePort, waitHttp } = require('../../test/support/test-servers');
const { trackProcess } = require('./cleanup');

/** The absolute path of a program on the PATH (or in the sbin directories), or null. */
function which(cmd) {
  const dirs = (process.env.PATH || '').split(':').concat(['/usr/sbin', '/sbin', '/usr/local/sbin']);
  for (const dir of dirs) {
    const file = path.join(dir || '.', cmd);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Runs a command to its end and times it (wall clock, from spawn to exit).
 * Rejects when it cannot start or exits non-zero, unless `allowFailure`.
 * `onSpawn(proc)` runs right after the spawn (e.g. to sample its memory).
 * @returns {Promise<{seconds: number, code: number|null, stdout: string, stderr: string}>}
 */
function runTimed(cmd, args, { env, cwd, stdout = 'pipe', allowFailure = false, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const proc = trackProcess(spawn(cmd, args, { env: env ?? process.env, cwd, stdio: ['ignore', stdout, 'pipe'] }));
    let out = '';
    let err = '';
    proc.stdout?.on('data', (c) => (out += c));
    proc.stderr.on('data', (c) => (err += c));
    if (onSpawn) onSpawn(proc);
    proc.once('error', reject);
    proc.once('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if ((code !== 0 || signal) && !allowFailure) {
        const tail = (err || out).trim().split('\n').slice(-5).join('\n');
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${code ?? signal}: ${tail}`));
        return;
      }
      resolve({ seconds, code, stdout: out, stderr: err });
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { freePort, which, runTimed, waitHttp, sleep };
