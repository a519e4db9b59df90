'use strict';
// The build under test. The run copies dist/ (with bin/ and package.json) once at its start, so that a rebuild
// while a long run is going does not change, or break, what is measured. The copy sits inside the repository
// (bench/out/, git-ignored) so that the build's packages still resolve from node_modules.
const { cpSync, existsSync, mkdirSync, rmSync } = require('node:fs');
const path = require('node:path');

const REPO = path.join(__dirname, '..', '..');
let root = REPO;
let copy = null;

/** Copies the build; afterwards buildRoot() points at the copy. Without a build, it stays at the repository. */
function copyBuild() {
  if (!existsSync(path.join(REPO, 'dist'))) return null;
  copy = path.join(REPO, 'bench', 'out', `build-${process.pid}`);
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true });
  cpSync(path.join(REPO, 'dist'), path.join(copy, 'dist'), { recursive: true });
  if (existsSync(path.join(REPO, 'bin'))) cpSync(path.join(REPO, 'bin'), path.join(copy, 'bin'), { recursive: true });
  cpSync(path.join(REPO, 'package.json'), path.join(copy, 'package.json'));
  root = copy;
  process.on('exit', removeBuildCopy);
  return copy;
}

function removeBuildCopy() {
  if (copy) rmSync(copy, { recursive: true, force: true });
  copy = null;
  root = REPO;
}

/** The directory holding dist/ and bin/ of the build under test. */
function buildRoot() {
  return root;
}

module.exports = { copyBuild, buildRoot, removeBuildCopy };
