'use strict';
// Issue 20 (web console): the dashboard's first render in Debian's Chromium (navigation start to every figure and
// the chart shown), the first page of a 10,000-file directory, and the console's JavaScript and CSS gzipped, each
// beside its bar. Without Chromium the browser figures are N/A.
const { accessSync, constants, readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { gzipSync } = require('node:zlib');
const { buildRoot } = require('./lib/build-copy');
const { tempDir } = require('./lib/cleanup');
const { startHoardServer } = require('./lib/hoard-server');
const { log } = require('./lib/log');
const { addRow, NotAvailable, ProductFailure } = require('./lib/report');
const { measure } = require('./lib/step');
const { fileRecord, recordFiles } = require('./lifecycle/api');

const G = 'console';
const ROWS = {
  bundle: 'console JavaScript + CSS, gzipped',
  render: 'dashboard first render (Chromium)',
  bigDir: 'first page of a 10,000-file directory (Chromium)',
};
const BIG_DIR_FILES = 10_000;
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Run in the page as functions (the console's CSP forbids evaluating strings).
/* global document, requestAnimationFrame */
function figuresShownAt() {
  const shown = [...document.querySelectorAll('.figure dd')].every((dd) => dd.textContent !== '…');
  return shown && document.querySelector('.chart, .chart-empty') ? performance.now() : false;
}

function openDirAndTimeFirstPage() {
  return new Promise((resolve) => {
    const start = performance.now();
    document.querySelector('a.dir').click();
    const check = () => {
      if (document.querySelectorAll('table.listing a.file').length >= 500) resolve(performance.now() - start);
      else requestAnimationFrame(check);
    };
    check();
  });
}

function bundle() {
  const dir = path.join(buildRoot(), 'dist', 'console', 'assets');
  let names;
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.js') || n.endsWith('.css'));
  } catch {
    throw new NotAvailable(`${dir} missing: run npm run build`);
  }
  const bytes = names.reduce((sum, n) => sum + gzipSync(readFileSync(path.join(dir, n)), { level: 9 }).length, 0);
  addRow({ group: G, name: ROWS.bundle, value: bytes / 1024, unit: 'KiB', bar: { text: '< 250 KiB', pass: bytes < 250 * 1024 } });
}

function chromiumPath() {
  const bin = process.env.HOARD_TEST_CHROMIUM || '/usr/bin/chromium';
  try {
    accessSync(bin, constants.X_OK);
    return bin;
  } catch {
    throw new NotAvailable(`no Chromium at ${bin} (apt-get install chromium, or set HOARD_TEST_CHROMIUM)`);
  }
}

async function browserFigures(scale) {
  const executablePath = chromiumPath();
  const { chromium } = require('playwright-core');
  const server = await startHoardServer({ label: 'console' });
  const context = await chromium.launchPersistentContext(tempDir('console-chromium'), { executablePath, headless: true, args: FLAGS });
  try {
    // The listing needs records only, not their content.
    const content = 'f'.repeat(64);
    const records = Array.from({ length: BIG_DIR_FILES }, (_, i) => fileRecord('bench-host', `/data/many/file-${i}.txt`, content, 100));
    await recordFiles(server, records);
    const page = await context.newPage();
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('API key').fill(server.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    let render = Infinity;
    let bigDir = Infinity;
    for (let round = 0; round < scale.repeats; round++) {
      await page.goto(`${server.url}/console/`);
      render = Math.min(render, await (await page.waitForFunction(figuresShownAt)).jsonValue());
      await page.goto(`${server.url}/console/browse?host=bench-host&dir=/data`);
      await page.getByRole('link', { name: 'many/' }).waitFor();
      bigDir = Math.min(bigDir, await page.evaluate(openDirAndTimeFirstPage));
    }
    log(G, `dashboard ${render.toFixed(0)} ms, 10,000-file directory ${bigDir.toFixed(0)} ms (best of ${scale.repeats})`);
    addRow({ group: G, name: ROWS.render, value: render, unit: 'ms', bar: { text: '< 1000 ms', pass: render < 1000 } });
    addRow({ group: G, name: ROWS.bigDir, value: bigDir, unit: 'ms', bar: { text: '< 500 ms', pass: bigDir < 500 } });
  } catch (err) {
    if (err instanceof NotAvailable) throw err;
    throw new ProductFailure(`console in Chromium: ${String(err && err.message ? err.message : err).split('\n')[0]}`);
  } finally {
    await context.close();
    await server.stop();
  }
}

async function run(scale) {
  await measure(G, [ROWS.bundle], async () => bundle());
  await measure(G, [ROWS.render, ROWS.bigDir], () => browserFigures(scale));
}

module.exports = { run };
