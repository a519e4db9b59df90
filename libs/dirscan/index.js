'use strict';
// Loads the native scanner built at install; null where it could not be built (the CLI then walks through fs).
const { getSystemErrorMap } = require('node:util');

let native = null;
try {
  native = require('./build/Release/dirscan.node');
} catch {
  native = null;
}

/** Entry kinds, as `kinds` holds them. */
const KIND = Object.freeze({ OTHER: 0, FILE: 1, DIR: 2, LINK: 3 });
const STAT_FIELDS = 9;

/** The error Node's readdir raises for `errno` on `path`: same code, errno, message and syscall. */
function scanError(errno, path) {
  const [code, description] = getSystemErrorMap().get(-errno) ?? ['UNKNOWN', 'unknown error'];
  return Object.assign(new Error(`${code}: ${description}, scandir '${path}'`), { errno: -errno, code, syscall: 'scandir', path });
}

function scanDir(path) {
  const out = native.scan(path);
  if (typeof out === 'number') throw scanError(out, path);
  return out;
}

module.exports = { available: native !== null, scanDir: native ? scanDir : null, KIND, STAT_FIELDS };
