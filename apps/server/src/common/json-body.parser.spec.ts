import { HoardError } from '@app/contracts';
import { PassThrough } from 'node:stream';
import { jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_MEMBERS, parseJsonBody, readJson } from './json-body.parser';
import { TurnQueue } from './turn-queue';

function errorOf(text: string | Buffer): HoardError {
  try {
    parseJsonBody(Buffer.isBuffer(text) ? text : Buffer.from(text));
  } catch (err) {
    return err as HoardError;
  }
  throw new Error('expected the body to be refused');
}

describe('jsonShapeProblem', () => {
  const sut = (text: string) => jsonShapeProblem(Buffer.from(text), 3, 3);

  it('counts nesting of arrays and objects, not brackets inside strings', () => {
    expect(sut('{"a":[{"b":1}]}')).toBeNull();
    expect(sut('{"a":[{"b":[1]}]}')).toBe('too_deep');
    expect(sut('{"a":"[[[{{{\\"[["}')).toBeNull();
    expect(sut('[[[]],[[]],[[]]]')).toBeNull();
  });

  it('counts the members of each object, not the items of arrays nor commas in strings', () => {
    expect(sut('{"a":1,"b":2,"c":3}')).toBeNull();
    expect(sut('{"a":1,"b":2,"c":3,"d":4}')).toBe('too_many_members');
    expect(sut('{"a":[1,2,3,4,5,6],"b":"x,y,z,w","c":{"d":1,"e":2}}')).toBeNull();
    expect(sut('[{"a":1,"b":2,"c":3},{"a":1,"b":2,"c":3}]')).toBeNull();
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

  it('refuses an object of more members than the limit before parsing it', () => {
    const members = Array.from({ length: MAX_JSON_MEMBERS + 1 }, (_, i) => `"k${i}":0`).join(',');
    expect(errorOf(`{${members}}`).message).toBe(`An object of the JSON body has more than ${MAX_JSON_MEMBERS} members`);
    expect(() => parseJsonBody(Buffer.from(`{"ids":[${Array.from({ length: 5000 }, () => '"x"').join(',')}]}`))).not.toThrow();
  });

  it('refuses bytes that are not UTF-8', () => {
    const sut = errorOf(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
    expect(sut.message).toBe('The body is not valid UTF-8 JSON');
  });

  it('refuses an empty body and malformed JSON', () => {
    expect(errorOf('').message).toMatch(/empty/);
    expect(errorOf('{"a":').code).toBe('invalid_request');
  });

  it('drops keys that could poison a prototype, anywhere in the body', () => {
    const sut = parseJsonBody(Buffer.from('{"a":1,"__proto__":{"admin":true},"b":{"constructor":{"prototype":{"x":1}}}}')) as Record<
      string,
      any
    >;
    expect(sut).toEqual({ a: 1, b: {} });
    expect(Object.prototype.hasOwnProperty.call(sut, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('readJson', () => {
  it('answers a body whose client went away before its end as an interrupted request (400), not a server failure', async () => {
    const body = new PassThrough();
    const read = readJson(body, 100, { maxBytes: 1000, deadlineMs: 60_000 }, new TurnQueue());
    body.write('{"files":');
    body.destroy(new Error('aborted'));
    await expect(read).rejects.toMatchObject({ code: 'invalid_request', message: 'The JSON body ended before it was complete' });
  });
});
