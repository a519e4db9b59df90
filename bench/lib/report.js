'use strict';
// Rows of the result table: each figure beside its reference from the same run, the ratio and the bar.
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** A scenario needs something this machine or this build does not have yet: reported as N/A. */
class NotAvailable extends Error {}
/** The product misbehaved during a measurement (an HTTP error, a crash): reported as FAIL, not a harness error. */
class ProductFailure extends Error {}

const rows = [];
let harnessErrors = 0;

/**
 * Adds a measured row.
 * @param {object} r
 * @param {string} r.group   scenario group (server, cli, backends)
 * @param {string} r.name    what was measured
 * @param {number} r.value   the figure for Hoard
 * @param {string} r.unit
 * @param {{label: string, value: number, unit?: string}} [r.ref] the reference measured in the same run
 * @param {number} [r.ratio] figure relative to the reference, in the sense the bar is stated
 * @param {{text: string, pass: boolean}} [r.bar]
 * @param {string} [r.note]
 */
function addRow(r) {
  const status = r.bar ? (r.bar.pass ? 'PASS' : 'FAIL') : 'INFO';
  rows.push({ status, ...r });
}

/** Marks rows that could not be measured: N/A (missing pieces), FAIL (product failure) or ERROR (harness). */
function addUnmeasured(group, names, status, note) {
  if (status === 'ERROR') harnessErrors++;
  for (const name of names) rows.push({ group, name, status, note });
}

function fmt(value, unit) {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  const digits = Number.isInteger(value) || Math.abs(value) >= 1000 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const n = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${n} ${unit}` : n;
}

function tableLines() {
  const header = ['group', 'measurement', 'hoard', 'reference', 'ratio', 'bar', 'result'];
  const body = rows.map((r) => [
    r.group,
    r.name,
    fmt(r.value, r.unit),
    r.ref ? `${fmt(r.ref.value, r.ref.unit ?? r.unit)} (${r.ref.label})` : '—',
    r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}x`,
    r.bar ? r.bar.text : '—',
    r.status === 'FAIL' ? '** FAIL **' : r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `  [${r.group}] ${r.name}: ${r.note}`);
  if (notes.length) out.push('', 'notes:', ...notes);
  return out;
}

/** Prints the table and writes it as JSON under bench/out/; returns the JSON file's path. */
function finish(meta) {
  const lines = tableLines();
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const outDir = path.join(__dirname, '..', 'out');
  mkdirSync(outDir, { recursive: true });
  const doc = {
    ...meta,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, mem_bytes: os.totalmem(), kernel: os.release(), node: process.version },
    rows,
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(outDir, `bench-${stamp}.json`);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(doc, null, 2));
  return file;
}

/** Names of the rows a group has so far. */
function rowNames(group) {
  return new Set(rows.filter((r) => r.group === group).map((r) => r.name));
}

module.exports = {
  NotAvailable,
  rowNames,
  ProductFailure,
  addRow,
  addUnmeasured,
  finish,
  get harnessErrors() {
    return harnessErrors;
  },
  get failures() {
    return rows.filter((r) => r.status === 'FAIL').length;
  },
};
