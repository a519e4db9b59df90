#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('hoard: the CLI is not built yet: run "npm run build" in the repository first\n');
  process.exit(2);
}
require(main).run(process.argv);
