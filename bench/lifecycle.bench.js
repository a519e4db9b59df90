'use strict';
// Issue 16 (lifecycle): scrub beside openssl, and the server's memory meanwhile; GC beside `xargs rm` of the same
// files, and the batch recording rate during GC beside idle; prune of many versions down to one per path. A job
// type the measured server does not run yet is reported N/A.
const { measure } = require('./lib/step');
const { gcRows, gcScenario } = require('./lifecycle/gc');
const { pruneRows, pruneScenario } = require('./lifecycle/prune');
const { scrubRows, scrubLoose, scrubPackedLocal, scrubPackedS3 } = require('./lifecycle/scrub');

const G = 'lifecycle';

async function run(scale) {
  const scrub = scrubRows(scale);
  await measure(G, [scrub.loose, scrub.rss], () => scrubLoose(scale));
  await measure(G, [scrub.packed], () => scrubPackedLocal(scale));
  await measure(G, [scrub.packedS3], () => scrubPackedS3(scale));
  await measure(G, Object.values(gcRows(scale)), () => gcScenario(scale));
  await measure(G, Object.values(pruneRows(scale)), () => pruneScenario(scale));
}

module.exports = { run };
