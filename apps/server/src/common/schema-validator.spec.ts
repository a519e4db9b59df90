import { BatchRequestSchema, FileMetadataSchema, HoardError, ListFilesQuerySchema, MissingRequestSchema } from '@app/contracts';
import { compileValidator } from './schema-validator';

const good = { filepath: '/a', hostname: 'h', sha256: 'A'.repeat(64), size: 0 };

/** The error a value gets, or null when it passes. */
function errorOf(schema: object, part: 'body' | 'querystring', value: unknown): HoardError | null {
  const result = compileValidator(schema, part)(value);
  return result === true ? null : (result as { error: HoardError }).error;
}

const fields = (error: HoardError | null) => (error?.details?.fields as Array<{ field: string; errors: string[] }>).map((f) => f.field);

describe('compileValidator', () => {
  it('passes a valid body and strips the fields the schema does not name', () => {
    const body: Record<string, unknown> = { ...good, extra: 1, __ignored: { deep: true } };
    expect(errorOf(FileMetadataSchema, 'body', body)).toBeNull();
    expect(Object.keys(body).sort()).toEqual(['filepath', 'hostname', 'sha256', 'size']);
  });

  it('never coerces a body: a string is not a number, null is not an optional field', () => {
    const sut = errorOf(FileMetadataSchema, 'body', { ...good, size: '5', mode: null });
    expect(sut?.code).toBe('validation_failed');
    expect(sut?.details?.fields).toEqual([
      { field: 'size', errors: ['size must be an integer'] },
      { field: 'mode', errors: ['mode must be an integer'] },
    ]);
  });

  it('coerces a query string and says what is wrong in plain words', () => {
    const query: Record<string, unknown> = { limit: '10', include_deleted: 'true' };
    expect(errorOf(ListFilesQuerySchema, 'querystring', query)).toBeNull();
    expect(query).toEqual({ limit: 10, include_deleted: true });
    const sut = errorOf(ListFilesQuerySchema, 'querystring', { limit: 'abc' });
    expect(sut?.message).toBe('limit must be an integer');
  });

  it('names a missing field "is required" and a relative path "must be an absolute path"', () => {
    const sut = errorOf(FileMetadataSchema, 'body', { sha256: good.sha256, size: 1, filepath: 'relative/x' });
    expect(sut?.details?.fields).toEqual([
      { field: 'hostname', errors: ['hostname is required'] },
      { field: 'filepath', errors: ['filepath must be an absolute path without NUL characters'] },
    ]);
  });

  it.each([
    ['a NUL in a hostname', { hostname: 'a\u0000b' }, 'hostname'],
    ['a NUL in a path', { filepath: '/a\u0000b' }, 'filepath'],
    ['a NUL in an ip address', { ip_address: '1\u0000' }, 'ip_address'],
  ])('refuses %s', (_what, override, field) => {
    expect(fields(errorOf(FileMetadataSchema, 'body', { ...good, ...override }))).toEqual([field]);
  });

  it('accepts POSIX, Windows drive and UNC absolute paths', () => {
    for (const filepath of ['/x', 'C:\\Users\\x', 'd:/data', '\\\\server\\share\\f']) {
      expect(errorOf(FileMetadataSchema, 'body', { ...good, filepath })).toBeNull();
    }
  });

  it('answers invalid_digest when only digests are wrong, naming each with its index', () => {
    const sut = errorOf(MissingRequestSchema, 'body', { sha256: [good.sha256, 'zz', 5] });
    expect(sut?.code).toBe('invalid_digest');
    expect(fields(sut)).toEqual(['sha256.1', 'sha256.2']);
    expect(errorOf(BatchRequestSchema, 'body', { files: [{ ...good, sha256: 'x', size: -1 }] })?.code).toBe('validation_failed');
  });

  it('names at most 20 fields and counts the rest, however many items are bad', () => {
    const sut = errorOf(MissingRequestSchema, 'body', { sha256: Array.from({ length: 2_000_000 }, () => 'not a digest') });
    expect(sut?.code).toBe('validation_failed');
    const details = sut?.details as { fields: Array<{ field: string }>; more: number };
    expect(details.fields).toHaveLength(20);
    expect(details.fields[0]).toEqual({ field: 'sha256', errors: ['sha256 must have at most 10000 items'] });
    expect(details.fields[1].field).toBe('sha256.0');
    // The detailed pass reads at most 10,001 items of an array: the maxItems error and 10,001 item errors.
    expect(details.more).toBe(10_002 - 20);
  });

  it('names the index and field of each bad batch item', () => {
    const sut = errorOf(BatchRequestSchema, 'body', { files: [good, { ...good, size: -1 }, { ...good, hostname: undefined }] });
    expect(sut?.details?.fields).toEqual([
      { field: 'files.1.size', errors: ['files.1.size must be at least 0'] },
      { field: 'files.2.hostname', errors: ['files.2.hostname is required'] },
    ]);
  });

  it('calls a body that is not an object what it is', () => {
    expect(errorOf(FileMetadataSchema, 'body', [good])?.details?.fields).toEqual([{ field: 'body', errors: ['body must be an object'] }]);
    expect(errorOf(FileMetadataSchema, 'body', null)?.message).toBe('body must be an object');
  });
});
