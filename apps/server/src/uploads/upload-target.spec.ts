import { uploadTarget } from './upload-target';

describe('uploadTarget', () => {
  const sha = 'AB'.repeat(32);

  it('names content by digest, lower-cased, whatever else the metadata carries', () => {
    expect(uploadTarget({ sha256: sha, filename: 'big.iso', filetype: null })).toEqual({ kind: 'blob', sha256: sha.toLowerCase() });
  });

  it('refuses a digest that is not one, and metadata that names no target', () => {
    for (const bad of ['abc', '', null, `${'a'.repeat(63)}g`]) {
      expect(() => uploadTarget({ sha256: bad })).toThrow(expect.objectContaining({ code: 'invalid_digest' }));
    }
    expect(() => uploadTarget({ filename: 'x' })).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        details: { fields: [{ field: 'Upload-Metadata.sha256', errors: ['is required'] }] },
      }),
    );
    expect(() => uploadTarget(undefined)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });

  it('names an object by bucket and key, its options as the fields of an object form', () => {
    const sut = uploadTarget({
      bucket: 'backups',
      key: 'user-7/db.sqlite',
      sha256: sha,
      content_type: 'application/vnd.sqlite3',
      ttl_seconds: '3600',
      delete_after_download: 'true',
      'meta-owner': 'user 7',
      filename: 'db.sqlite',
      filetype: 'application/x-ignored-when-content-type-is-given',
    });
    expect(sut).toEqual({
      kind: 'object',
      bucket: 'backups',
      key: 'user-7/db.sqlite',
      options: {
        sha256: sha.toLowerCase(),
        contentType: 'application/vnd.sqlite3',
        ttlSeconds: 3600,
        deleteAfterDownload: true,
        metadata: { owner: 'user 7' },
      },
    });
  });

  it("takes a tus client's filetype as the Content-Type when none is named, and needs no digest", () => {
    expect(uploadTarget({ bucket: 'results', key: 'job-42.zip', filename: 'job-42.zip', filetype: 'application/zip' })).toEqual({
      kind: 'object',
      bucket: 'results',
      key: 'job-42.zip',
      options: { contentType: 'application/zip' },
    });
  });

  it('refuses a bucket or key alone, bad names, unknown or bad options, metadata over 2 KiB and a past expiry', () => {
    const refused = (metadata: Record<string, string | null>, field: string) =>
      expect(() => uploadTarget(metadata)).toThrow(
        expect.objectContaining({ code: 'validation_failed', details: { fields: [expect.objectContaining({ field })] } }),
      );
    refused({ bucket: 'b' }, 'Upload-Metadata.key');
    refused({ key: 'k' }, 'Upload-Metadata.bucket');
    refused({ bucket: 'Bad_Bucket', key: 'k' }, 'bucket');
    refused({ bucket: 'b', key: 'a/../b' }, 'Upload-Metadata.key');
    refused({ bucket: 'b', key: 'k', ttl: '60' }, 'ttl');
    refused({ bucket: 'b', key: 'k', ttl_seconds: 'soon' }, 'ttl_seconds');
    refused({ bucket: 'b', key: 'k', ttl_seconds: null }, 'Upload-Metadata.ttl_seconds');
    refused({ bucket: 'b', key: 'k', expires_at: '2001-01-01T00:00:00Z' }, 'X-Hoard-Expires-At');
    refused({ bucket: 'b', key: 'k', 'meta-big': 'v'.repeat(2100) }, 'Upload-Metadata.meta-*');
    expect(() => uploadTarget({ bucket: 'b', key: 'k', sha256: 'abc' })).toThrow(expect.objectContaining({ code: 'invalid_digest' }));
  });
});
