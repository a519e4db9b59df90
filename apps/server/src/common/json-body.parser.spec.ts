import { HoardError } from '@app/contracts';
import { jsonDepth, MAX_JSON_DEPTH, parseJsonBody } from './json-body.parser';

function errorOf(text: string | Buffer): HoardError {
  try {
    parseJsonBody(Buffer.isBuffer(text) ? text : Buffer.from(text));
  } catch (err) {
    return err as HoardError;
  }
  throw new Error('expected the body to be refused');
}

describe('jsonDepth', () => {
  it('counts nesting of arrays and objects, not brackets inside strings', () => {
    expect(jsonDepth(Buffer.from('{"a":[{"b":1}]}'))).toBe(3);
    expect(jsonDepth(Buffer.from('{"a":"[[[{{{\\"[["}'))).toBe(1);
    expect(jsonDepth(Buffer.from('1'))).toBe(0);
  });

  it('stops as soon as it passes the limit', () => {
    expect(jsonDepth(Buffer.from('['.repeat(100_000)), 32)).toBe(33);
  });
});

describe('parseJsonBody', () => {
  it('parses a body nested up to the limit', () => {
    const deep = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(() => parseJsonBody(Buffer.from(deep))).not.toThrow();
    expect(parseJsonBody(Buffer.from('{"files":[{"size":1}]}'))).toEqual({ files: [{ size: 1 }] });
  });

  it('refuses nesting deeper than the limit with 400 invalid_request before parsing', () => {
    const sut = errorOf(`{"mtime":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
    expect(sut.code).toBe('invalid_request');
    expect(sut.message).toBe(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('refuses bytes that are not UTF-8', () => {
    const sut = errorOf(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
    expect(sut.message).toBe('The body is not valid UTF-8 JSON');
  });

  it('refuses an empty body, malformed JSON and prototype keys', () => {
    expect(errorOf('').message).toMatch(/empty/);
    expect(errorOf('{"a":').code).toBe('invalid_request');
    expect(errorOf('{"__proto__":{"admin":true}}').code).toBe('invalid_request');
    expect(errorOf('{"constructor":{"prototype":{"x":1}}}').code).toBe('invalid_request');
  });
});
