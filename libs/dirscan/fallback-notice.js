'use strict';
// The native scanner is optional: without it, `hoard scan` lists directories through Node's fs, more slowly.
process.stderr.write('@hoard/dirscan: the native directory scanner was not built; hoard scan will use its JavaScript walker\n');
