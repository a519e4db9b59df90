import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appFixture, AppFixture } from '../testing/app-fixture';
import { CONSOLE_CSP } from './console-site';

const PAGE = '<!doctype html><title>Hoard</title><script type="module" src="/console/assets/index-abc123.js"></script>';
const SCRIPT = 'console.log("app")';

describe('the console site', () => {
  let dir: string;
  let sut: AppFixture;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hoard-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), PAGE);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
    sut = await appFixture({ HOARD_CONSOLE_DIR: dir });
  });
  afterAll(async () => {
    await sut.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page without a key, with the CSP and no caching, at /console and /console/', async () => {
    for (const url of ['/console', '/console/']) {
      const res = await sut.request({ method: 'GET', url }, null);
      expect([res.statusCode, res.body]).toEqual([200, PAGE]);
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    }
  });

  it('answers a client route with the page, so that the app routes it', async () => {
    const res = await sut.request({ method: 'GET', url: '/console/browse?host=a&dir=%2Fetc' }, null);
    expect([res.statusCode, res.body]).toEqual([200, PAGE]);
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
  });

  it('serves hashed assets with a long cache, and a missing asset 404 in the error shape', async () => {
    const res = await sut.request({ method: 'GET', url: '/console/assets/index-abc123.js' }, null);
    expect([res.statusCode, res.body]).toEqual([200, SCRIPT]);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    const missing = await sut.request({ method: 'GET', url: '/console/assets/nope.js' }, null);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('leaves the API as it was: keys still needed, no CSP of the console', async () => {
    const res = await sut.request({ method: 'GET', url: '/api/v1/stats' }, null);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('is not served when the directory holds no console', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hoard-no-console-'));
    const other = await appFixture({ HOARD_CONSOLE_DIR: empty });
    try {
      expect((await other.request({ method: 'GET', url: '/console/' }, null)).statusCode).toBe(404);
    } finally {
      await other.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
