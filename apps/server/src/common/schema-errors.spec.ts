import Ajv from 'ajv';
import { AJV_OPTIONS, BATCH_SCHEMA, MISSING_SCHEMA } from './json-schemas';
import { schemaValidationError } from './schema-errors';

const ajv = new Ajv({ ...AJV_OPTIONS });
const good = { filepath: '/a', hostname: 'h', sha256: 'a'.repeat(64), size: 0 };

function errorsOf(schema: object, body: unknown) {
  const validate = ajv.compile(schema);
  expect(validate(body)).toBe(false);
  return schemaValidationError(validate.errors as never);
}

describe('schemaValidationError', () => {
  it('names the index and field of each bad batch item', () => {
    const sut = errorsOf(BATCH_SCHEMA, { files: [good, { ...good, size: -1 }, { ...good, hostname: undefined }] });
    expect(sut.code).toBe('validation_failed');
    const fields = (sut.details!.fields as Array<{ field: string }>).map((f) => f.field);
    expect(fields).toEqual(['files.1.size', 'files.2.hostname']);
  });

  it('answers invalid_digest when only digests are wrong', () => {
    expect(errorsOf(MISSING_SCHEMA, { sha256: ['A'.repeat(64), 'nothex'] }).code).toBe('invalid_digest');
    expect(errorsOf(BATCH_SCHEMA, { files: [{ ...good, sha256: '../etc' }] }).code).toBe('invalid_digest');
  });

  it('does not coerce strings into numbers', () => {
    expect(errorsOf(BATCH_SCHEMA, { files: [{ ...good, size: '5' }] }).code).toBe('validation_failed');
  });

  it('refuses 1,001 records and 10,001 digests', () => {
    expect(errorsOf(BATCH_SCHEMA, { files: Array.from({ length: 1001 }, () => good) }).details).toEqual({
      fields: [{ field: 'files', errors: ['files must NOT have more than 1000 items'] }],
    });
    expect(errorsOf(MISSING_SCHEMA, { sha256: Array.from({ length: 10_001 }, () => 'a'.repeat(64)) }).code).toBe(
      'validation_failed',
    );
  });
});
