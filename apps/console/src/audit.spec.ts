import { auditQuery, targetSummary, targetText, targetTitle } from './audit';

const DIGEST = 'ab'.repeat(32);

describe('audit entries and filters as the console shows and sends them', () => {
  it('names each kind of target in a few words, a digest in full on hover', () => {
    expect(targetText({ sha256: DIGEST })).toBe('abababababab…');
    expect(targetTitle({ sha256: DIGEST })).toBe(DIGEST);
    expect(targetText({ hostname: 'web-1', filepath: '/srv/a.txt' })).toBe('web-1:/srv/a.txt');
    expect(targetText({ bucket: 'reports', key: '2026/q1.txt' })).toBe('reports/2026/q1.txt');
    expect(targetText({ key_id: 'key_01' })).toBe('key key_01');
    expect(targetTitle({ key_id: 'key_01' })).toBe('key key_01');
  });

  it('shows the first two targets and how many more there were, beyond the 1,000 kept too', () => {
    const targets = Array.from({ length: 1000 }, (_, i) => ({ hostname: 'h', filepath: `/f${i}` }));
    expect(targetSummary(targets, 1500)).toEqual({ shown: targets.slice(0, 2), more: 1498 });
    expect(targetSummary(targets.slice(0, 1), 1)).toEqual({ shown: targets.slice(0, 1), more: 0 });
    expect(targetSummary([], 0)).toEqual({ shown: [], more: 0 });
  });

  it('sends times as ISO, a digest in lower case, and leaves blanks out', () => {
    const since = '2026-03-01T10:30';
    expect(auditQuery({ since, until: ' ', sha256: DIGEST.toUpperCase(), action: ' blob.put ', hostname: '' })).toEqual({
      since: new Date(Date.parse(since)).toISOString(),
      sha256: DIGEST,
      action: 'blob.put',
    });
    // What does not parse as a time goes as typed: the server says what is wrong with it.
    expect(auditQuery({ until: 'yesterday' })).toEqual({ until: 'yesterday' });
  });
});
