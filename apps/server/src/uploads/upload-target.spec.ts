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
});
