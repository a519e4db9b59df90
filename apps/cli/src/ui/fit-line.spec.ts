import { fitLine } from './fit-line';

describe('fitLine', () => {
  const segments = [
    { full: 'first segment', short: 'first', priority: 1 },
    { full: 'second segment', short: 'second', priority: 3 },
    { full: 'third segment', priority: 2 },
    { full: '', priority: 1 },
  ];

  it('keeps every segment in full when they fit, leaving out empty ones', () => {
    expect(fitLine(segments, 80)).toBe('first segment · second segment · third segment');
  });

  it('shortens the least important segments first, then drops them, never cutting while more than one is left', () => {
    expect(fitLine(segments, 40)).toBe('first segment · second · third segment');
    expect(fitLine(segments, 30)).toBe('first segment · third segment');
    expect(fitLine(segments, 22)).toBe('first · third segment');
    expect(fitLine(segments, 10)).toBe('first');
    expect(fitLine([{ full: 'a very long only segment', priority: 1 }], 10)).toBe('a very lo…');
  });
});
