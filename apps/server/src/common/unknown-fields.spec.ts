import { BatchRequestSchema, FileMetadataSchema, RetentionRulesSchema } from '@app/contracts';
import { compileValidator } from './schema-validator';
import { pruner } from './unknown-fields';

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('pruner', () => {
  it('drops the fields an object schema does not declare, down through declared properties and array items', () => {
    const sut = pruner(BatchRequestSchema);
    const body = { files: [{ filepath: '/a', hostname: 'h', sha256: EMPTY, size: 0, extra: 1 }], other: true };
    sut(body);
    expect(body).toEqual({ files: [{ filepath: '/a', hostname: 'h', sha256: EMPTY, size: 0 }] });
  });

  it('keeps the other fields of an object that declares additionalProperties: true', () => {
    const sut = pruner({ type: 'object', additionalProperties: true, properties: { type: { type: 'string' } } });
    const body = { type: 'scrub', max_bytes_per_second: 5 };
    sut(body);
    expect(body).toEqual({ type: 'scrub', max_bytes_per_second: 5 });
    const nested = pruner({ type: 'object', properties: { job: { type: 'object', additionalProperties: true, properties: {} } } });
    const outer = { job: { any: 1 }, other: 2 };
    nested(outer);
    expect(outer).toEqual({ job: { any: 1 } });
  });

  it('keeps the other fields of an object that declares additionalProperties: false, for validation to name them', () => {
    const body = { rules: [{ hostname: '*' }, { hostname: 'h', keep_lst: 3 }], ignored: 1 };
    const result = compileValidator(RetentionRulesSchema, 'body')(body);
    expect(body).toEqual({ rules: [{ hostname: '*' }, { hostname: 'h', keep_lst: 3 }] });
    expect(result).toMatchObject({
      error: {
        code: 'validation_failed',
        details: { fields: [{ field: 'rules.1.keep_lst', errors: ['rules.1.keep_lst is not a known field'] }] },
      },
    });
  });

  it('leaves values of another shape alone', () => {
    const sut = pruner(FileMetadataSchema);
    for (const value of [null, 3, 'x', [1, 2]]) expect(() => sut(value)).not.toThrow();
  });
});

describe('the file kind rules of FileMetadata', () => {
  const sut = compileValidator(FileMetadataSchema, 'body');
  const link = { filepath: '/l', hostname: 'h', sha256: EMPTY, size: 0, type: 'symlink', link_target: '../t' };
  const fields = (result: ReturnType<typeof sut>) =>
    result === true || result === false
      ? []
      : ((result.error as { details?: { fields: Array<{ field: string; errors: string[] }> } }).details?.fields ?? []);

  it('accept a symlink with its target, the empty digest in either case and size 0, keeping every field', () => {
    const body = { ...link, sha256: EMPTY.toUpperCase() };
    expect(sut(body)).toBe(true);
    expect(body).toEqual({ ...link, sha256: EMPTY.toUpperCase() });
  });

  it('refuse a symlink with content, naming the digest and the size', () => {
    expect(fields(sut({ ...link, sha256: 'ab'.repeat(32), size: 3 }))).toEqual([
      { field: 'sha256', errors: ['sha256 must be the digest of the empty content for a symlink'] },
      { field: 'size', errors: ['size must be 0 for a symlink'] },
    ]);
  });

  it('refuse a symlink without a target and a file with one', () => {
    const { link_target: _target, ...noTarget } = link;
    expect(fields(sut(noTarget))).toEqual([{ field: 'link_target', errors: ['link_target is required'] }]);
    expect(fields(sut({ filepath: '/f', hostname: 'h', sha256: EMPTY, size: 0, link_target: 'x' }))).toEqual([
      { field: 'link_target', errors: ['link_target is allowed only for a symlink'] },
    ]);
  });

  it('refuse an unknown type with the types it may be', () => {
    const { link_target: _target, ...noTarget } = link;
    expect(fields(sut({ ...noTarget, type: 'fifo' }))).toEqual([{ field: 'type', errors: ['type must be one of: file, symlink'] }]);
  });
});
