import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, or the one HOARD_TEST_CHROMIUM names. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Chromium's flags for tests: headless, no sandbox (containers), nothing of its own on the network (no QUIC, no
 * background fetches, no component updates, no sync), a first run without its welcome.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A Chromium with a fresh profile (`--user-data-dir` of its own, removed at close). */
export interface RunningBrowser {
  context: BrowserContext;
  /** A new tab (its own sessionStorage) that records console errors and every request it makes. */
  page(): Promise<WatchedPage>;
  close(): Promise<void>;
}

/** A tab and what it did: messages of level error, uncaught errors, and the URL of every request. */
export interface WatchedPage {
  page: Page;
  errors: string[];
  requests: string[];
}

/** Starts Chromium from `executable` through playwright-core, with {@link CHROMIUM_FLAGS}. */
export async function startBrowser(executable: string): Promise<RunningBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'hoard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: CHROMIUM_FLAGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async page() {
      const page = await context.newPage();
      const watched: WatchedPage = { page, errors: [], requests: [] };
      page.on('console', (message) => {
        if (message.type() === 'error') watched.errors.push(message.text());
      });
      page.on('pageerror', (error) => watched.errors.push(error.message));
      page.on('request', (request) => watched.requests.push(request.url()));
      return watched;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A describe block run in a real Chromium, or skipped with a loud banner when there is none (CI installs it and
 * sets HOARD_TEST_REQUIRE_SERVERS=1, which fails the run in the global setup instead).
 */
export function describeInChromium(title: string, body: (browser: () => RunningBrowser) => void): void {
  const bin = process.env.HOARD_TEST_CHROMIUM_BIN;
  if (!bin) process.stderr.write(`\n!! HOARD_TEST_CHROMIUM_BIN is not set (no Chromium found): "${title}" is SKIPPED\n\n`);
  (bin ? describe : describe.skip)(title, () => {
    let browser: RunningBrowser;
    beforeAll(async () => {
      browser = await startBrowser(bin!);
    });
    afterAll(async () => {
      await browser?.close();
    });
    body(() => browser);
  });
}
