import { metricsKeyAllows } from './metrics-key';

describe('metricsKeyAllows', () => {
  const key = 'scrape-key-0123456789';

  it('lets every scrape in when no key is configured', () => {
    expect(metricsKeyAllows(undefined, undefined)).toBe(true);
    expect(metricsKeyAllows(undefined, 'Bearer anything')).toBe(true);
  });

  it('takes the key only as a bearer token, the scheme in any case', () => {
    expect(metricsKeyAllows(key, `Bearer ${key}`)).toBe(true);
    expect(metricsKeyAllows(key, `bearer ${key} `)).toBe(true);
    expect(metricsKeyAllows(key, key)).toBe(false);
    expect(metricsKeyAllows(key, `Basic ${key}`)).toBe(false);
  });

  it('refuses no header, an empty token, another key, a prefix of the key and a repeated header', () => {
    expect(metricsKeyAllows(key, undefined)).toBe(false);
    expect(metricsKeyAllows(key, 'Bearer ')).toBe(false);
    expect(metricsKeyAllows(key, 'Bearer scrape-key-0123456788')).toBe(false);
    expect(metricsKeyAllows(key, 'Bearer scrape-key')).toBe(false);
    expect(metricsKeyAllows(key, [`Bearer ${key}`, `Bearer ${key}`])).toBe(false);
  });
});
