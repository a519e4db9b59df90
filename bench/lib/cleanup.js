'use strict';
// Every temporary directory and child process the run creates is registered here and removed on exit,
// on failure and on Ctrl-C.
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { stopProcess } = require('../../test/support/test-servers');

const dirs = new Set();
const procs = new Set();

/** The directory all benchmark data goes into (one filesystem for Hoard and the references). */
function baseDir() {
  return process.env.BENCH_TMPDIR || os.tmpdir();
}

/** Creates a temporary directory that is removed at the end of the run. */
function tempDir(prefix, parent = baseDir()) {
  const dir = mkdtempSync(path.join(parent, `hoard-bench-${prefix}-`));
  dirs.add(dir);
  return dir;
}

/** Removes a temporary directory now. */
function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** Registers a child process so that it is stopped when the run ends. */
function trackProcess(proc) {
  procs.add(proc);
  proc.once('exit', () => procs.delete(proc));
  return proc;
}

function alive(proc) {
  return proc.exitCode === null && proc.signalCode === null;
}

/** Stops every registered process and removes every registered directory. */
async function cleanupAll() {
  await Promise.all([...procs].map((p) => stopProcess(p, 5_000)));
  for (const dir of [...dirs]) removeDir(dir);
}

function cleanupSync() {
  for (const proc of procs) if (alive(proc)) proc.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

/** On Ctrl-C or SIGTERM: stop children, remove temp dirs, exit 130/143. On any exit: last-resort cleanup. */
function installSignalHandlers() {
  let stopping = false;
  const onSignal = (signal, code) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping child processes and removing temporary files\n`);
    cleanupAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', cleanupSync);
}

module.exports = { baseDir, tempDir, removeDir, trackProcess, stopProcess, cleanupAll, installSignalHandlers };
