'use strict';
// Runs one measurement so that a missing piece or a product failure becomes a row, never a crash.
const report = require('./report');
const { log } = require('./log');

/**
 * Runs `fn`; rows it did not add (by name) are reported N/A when it throws NotAvailable, FAIL when it throws
 * ProductFailure, and ERROR (a harness error, making the run exit non-zero) for anything else.
 */
async function measure(group, names, fn) {
  try {
    await fn();
  } catch (err) {
    const done = report.rowNames(group);
    const pending = names.filter((n) => !done.has(n));
    const message = String(err && err.message ? err.message : err).trim();
    if (err instanceof report.NotAvailable) {
      log(group, `not available: ${message}`);
      report.addUnmeasured(group, pending, 'N/A', `not available: ${message}`);
    } else if (err instanceof report.ProductFailure) {
      log(group, `FAILED: ${message}`);
      report.addUnmeasured(group, pending, 'FAIL', message);
    } else {
      log(group, `harness error: ${err && err.stack ? err.stack : message}`);
      report.addUnmeasured(group, pending, 'ERROR', `harness error: ${message.split('\n')[0]}`);
    }
  }
}

module.exports = { measure };
