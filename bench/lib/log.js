'use strict';
// Progress lines, timestamped relative to the start of the run.
const started = Date.now();

function log(group, message) {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(7);
  process.stdout.write(`[${t}s] ${group.padEnd(8)} ${message}\n`);
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** 2147483648 -> "2.00 GiB" */
function bytes(n) {
  if (n >= GiB) return `${(n / GiB).toFixed(2)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

module.exports = { log, bytes, MiB, GiB };
