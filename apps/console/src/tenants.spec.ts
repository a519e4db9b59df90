import { isLimited, namesOf, tenantsText } from './tenants';

describe('tenants as the console shows and reads them', () => {
  it('reads names separated by commas or line breaks, trimmed, blanks dropped, each once in order', () => {
    expect(namesOf(' lab-1, lab-2\nlab-3\r\n,, \nlab-1 ')).toEqual(['lab-1', 'lab-2', 'lab-3']);
    expect(namesOf('  \n , ')).toEqual([]);
  });

  it('says a key is limited when it names a host or a bucket, and lists them', () => {
    expect(isLimited({ hostnames: [], buckets: [] })).toBe(false);
    expect(isLimited({ hostnames: [], buckets: ['b'] })).toBe(true);
    expect(tenantsText({ hostnames: [], buckets: [] })).toBe('all tenants');
    expect(tenantsText({ hostnames: ['lab-1', 'lab-2'], buckets: ['results'] })).toBe('host lab-1, host lab-2, bucket results');
  });
});
