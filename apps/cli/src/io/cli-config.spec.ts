import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { resolveConfig } from './cli-config';
import { writeConfigFile } from './config-writer';

describe('resolveConfig', () => {
  const home = mkdtempSync(join(tmpdir(), 'hoard-cfg-'));
  const file = join(home, '.config', 'hoard', 'config.json');
  writeConfigFile(file, { url: 'http://file:1', api_key: 'file-key', hostname: 'file-host' });

  it('takes flags over environment over the config file', () => {
    const env = { HOME: home, HOARD_URL: 'http://env:1', HOARD_API_KEY: 'env-key' };
    const sut = resolveConfig({ url: 'http://flag:1/' }, env);
    expect([sut.url, sut.apiKey, sut.hostname]).toEqual(['http://flag:1', 'env-key', 'file-host']);
    expect(sut.configFile).toBe(file);
  });

  it('falls back to defaults when nothing is given', () => {
    const empty = mkdtempSync(join(tmpdir(), 'hoard-cfg-'));
    const sut = resolveConfig({}, { HOME: empty });
    expect(sut).toEqual({
      url: 'http://localhost:8000',
      apiKey: undefined,
      hostname: hostname(),
      namedHostname: undefined,
      cacheDir: join(empty, '.cache', 'hoard'),
      configFile: join(empty, '.config', 'hoard', 'config.json'),
      retries: 6,
      walker: 'native',
    });
  });

  it('names a hostname only when a flag or HOARD_HOSTNAME gives one, and reads HOARD_RETRIES and HOARD_WALKER', () => {
    expect(resolveConfig({}, { HOME: home })).toMatchObject({ hostname: 'file-host', namedHostname: undefined });
    expect(resolveConfig({}, { HOME: home, HOARD_HOSTNAME: 'env-host' })).toMatchObject({
      hostname: 'env-host',
      namedHostname: 'env-host',
    });
    expect(resolveConfig({ hostname: 'flag-host' }, { HOME: home, HOARD_HOSTNAME: 'env-host' }).namedHostname).toBe('flag-host');
    const settings = (env: Record<string, string>) => resolveConfig({}, { HOME: home, ...env });
    expect(
      [settings({ HOARD_RETRIES: '0' }), settings({ HOARD_RETRIES: '2.5' }), settings({ HOARD_RETRIES: '-1' })].map((c) => c.retries),
    ).toEqual([0, 6, 6]);
    expect([settings({ HOARD_WALKER: 'js' }), settings({ HOARD_WALKER: 'other' })].map((c) => c.walker)).toEqual(['js', 'native']);
  });

  it('honours XDG directories and HOARD_CACHE_DIR', () => {
    const xdg = mkdtempSync(join(tmpdir(), 'hoard-xdg-'));
    writeConfigFile(join(xdg, 'hoard', 'config.json'), { url: 'http://xdg:1' });
    const sut = resolveConfig({}, { HOME: home, XDG_CONFIG_HOME: xdg, HOARD_CACHE_DIR: '/c' });
    expect([sut.url, sut.cacheDir]).toEqual(['http://xdg:1', '/c']);
  });

  it('writes the file with mode 0600', () => {
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a named config file that is missing or not JSON', () => {
    expect(() => resolveConfig({ config: join(home, 'nope.json') }, { HOME: home })).toThrow(/does not exist/);
    const bad = join(home, 'bad.json');
    writeFileSync(bad, '{nope');
    expect(() => resolveConfig({ config: bad }, { HOME: home })).toThrow(/not valid JSON/);
  });
});
