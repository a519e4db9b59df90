'use strict';
// The native helpers are optional: without them, `hoard scan` lists directories through Node's fs and the server
// hashes uploads on its main thread, both more slowly.
process.stderr.write('@hoard/native: the native helpers were not built; hoard will use its JavaScript paths instead\n');
