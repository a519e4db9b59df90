import type { IncomingMessage } from 'node:http';
import { REQUEST_ID_MAX, requestIdOf, sanitizeRequestId } from './request-id';

const request = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;

describe('sanitizeRequestId', () => {
  it('keeps an ordinary id as it is', () => {
    expect(sanitizeRequestId('req-42_a.b:c/d@e+f=g~h')).toBe('req-42_a.b:c/d@e+f=g~h');
  });

  it('drops spaces, quotes, control characters and non-ASCII, and cuts a long id', () => {
    expect(sanitizeRequestId('a b"c\r\nd\u0000é{}')).toBe('abcd');
    expect(sanitizeRequestId('x'.repeat(REQUEST_ID_MAX + 50))).toBe('x'.repeat(REQUEST_ID_MAX));
  });

  it('gives up on nothing usable, a missing header or a repeated one', () => {
    expect(sanitizeRequestId('"" \t')).toBeNull();
    expect(sanitizeRequestId(undefined)).toBeNull();
    expect(sanitizeRequestId(['a', 'b'])).toBeNull();
  });
});

describe('requestIdOf', () => {
  it("uses the client's id, sanitised", () => {
    expect(requestIdOf(request({ 'x-request-id': ' abc 123 ' }))).toBe('abc123');
  });

  it('generates a UUID when the client sent none, and answers the same id for the same request', () => {
    const sut = request({});
    const id = requestIdOf(sut);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(requestIdOf(sut)).toBe(id);
    expect(requestIdOf(request({}))).not.toBe(id);
  });
});
