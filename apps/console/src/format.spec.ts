import { baseName, count, exactTime, fileMode, humanSize, ratio, relativeTime } from './format';

describe('format', () => {
  it('writes sizes in binary units, bytes under 1 KiB as they are', () => {
    expect([0, 1023, 1024, 1536, 10 * 1024 * 1024, 150 * 1024 ** 3, 3 * 1024 ** 5].map(humanSize)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '10.0 MiB',
      '150 GiB',
      '3.0 PiB',
    ]);
  });

  it('writes times relative to now, in the past and the future, from ISO strings or Unix seconds', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(relativeTime('2026-03-10T11:59:30Z', now)).toBe('30 seconds ago');
    expect(relativeTime('2026-03-10T09:00:00Z', now)).toBe('3 hours ago');
    expect(relativeTime('2026-03-09T12:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-03-15T12:00:00Z', now)).toBe('in 5 days');
    expect(relativeTime(now / 1000 - 90 * 86400, now)).toBe('3 months ago');
    expect(exactTime('2026-03-10T11:59:30.123Z')).toBe('2026-03-10 11:59:30 UTC');
  });

  it('writes modes as ls does, with the octal permissions', () => {
    expect(fileMode(0o100644)).toBe('-rw-r--r-- (644)');
    expect(fileMode(0o040755)).toBe('drwxr-xr-x (755)');
    expect(fileMode(0o120777)).toBe('lrwxrwxrwx (777)');
    expect(fileMode(undefined)).toBe('—');
  });

  it('writes counts, ratios and base names', () => {
    expect(count(1234567)).toBe('1,234,567');
    expect(ratio(2.5)).toBe('2.50×');
    expect([baseName('/srv/a/index.html'), baseName('photos/2024/'), baseName('key')]).toEqual(['index.html', '2024', 'key']);
  });
});
