import { optionsFromFields, optionsFromHeaders } from './object-options';

describe('object options', () => {
  it('reads the X-Hoard headers and Content-Type, leaving other X-Hoard headers alone', () => {
    const sha = 'A'.repeat(64);
    expect(
      optionsFromHeaders({
        'content-type': 'image/png',
        'x-hoard-sha256': sha,
        'x-hoard-expires-at': '2030-01-31T00:00:00+02:00',
        'x-hoard-delete-after-download': 'TRUE',
        'x-hoard-meta-owner': 'me',
        'x-hoard-key': 'ignored here',
        'x-hoard-trace': 'a proxy',
      }),
    ).toEqual({
      contentType: 'image/png',
      sha256: 'a'.repeat(64),
      expiresAt: new Date('2030-01-30T22:00:00Z'),
      deleteAfterDownload: true,
      metadata: { owner: 'me' },
    });
    expect(optionsFromHeaders({ 'content-type': 'multipart/form-data; boundary=x' }, false)).toEqual({});
  });

  it('reads form fields named as the headers, without the prefix, with - or _, in any case; a field wins over its header', () => {
    const fields: Array<[string, string]> = [
      ['key', 'a/b'],
      ['TTL_SECONDS', '60'],
      ['x-hoard-delete-after-download', 'false'],
      ['meta_build_id', '9'],
      ['X-Hoard-Meta-Owner', 'ops'],
      ['content_type', 'text/plain'],
    ];
    expect(optionsFromFields(fields, { ttlSeconds: 5, metadata: { owner: 'header', other: 'kept' } })).toEqual({
      key: 'a/b',
      options: {
        ttlSeconds: 60,
        deleteAfterDownload: false,
        contentType: 'text/plain',
        metadata: { owner: 'ops', other: 'kept', build_id: '9' },
      },
    });
  });

  it('names the field or header that is wrong', () => {
    const fieldOf = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        return (error as { details: { fields?: Array<{ field: string }>; field?: string } }).details;
      }
      return null;
    };
    expect(fieldOf(() => optionsFromFields([['job_id', '1']], {}))).toEqual({
      fields: [{ field: 'job_id', errors: [expect.any(String)] }],
    });
    expect(fieldOf(() => optionsFromFields([['ttl-seconds', '-1']], {}))).toEqual({
      fields: [{ field: 'ttl-seconds', errors: [expect.any(String)] }],
    });
    expect(fieldOf(() => optionsFromHeaders({ 'x-hoard-sha256': 'nope' }))).toEqual({ field: 'X-Hoard-Sha256' });
    expect(fieldOf(() => optionsFromHeaders({ 'content-type': 'bad\u0001type' }))).toEqual({
      fields: [{ field: 'Content-Type', errors: [expect.any(String)] }],
    });
  });
});
