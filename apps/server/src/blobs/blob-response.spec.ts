import { HoardError } from '@app/contracts';
import type { FastifyRequest } from 'fastify';
import { planBlobResponse } from './blob-response';

const sha = 'a'.repeat(64);
const blob = { sha256: sha, size: 100 };
const req = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;

describe('planBlobResponse', () => {
  it('sends the whole blob without Range', () => {
    expect(planBlobResponse(req({}), blob)).toEqual({ kind: 'full' });
  });

  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=-10', 90, 99],
    ['bytes=10-', 10, 99],
    ['bytes=95-200', 95, 99],
  ])('turns %s into an inclusive range', (header, start, end) => {
    expect(planBlobResponse(req({ range: header }), blob)).toEqual({ kind: 'range', range: { start, end } });
  });

  it('refuses a range past the end with range_not_satisfiable', () => {
    expect(() => planBlobResponse(req({ range: 'bytes=100-' }), blob)).toThrow(HoardError);
    try {
      planBlobResponse(req({ range: 'bytes=100-' }), blob);
    } catch (err) {
      expect((err as HoardError).code).toBe('range_not_satisfiable');
    }
  });

  it('ignores a malformed Range header', () => {
    expect(planBlobResponse(req({ range: 'pages=1-2' }), blob)).toEqual({ kind: 'full' });
  });

  it('answers 304 when If-None-Match names the ETag, in any list position or weak', () => {
    expect(planBlobResponse(req({ 'if-none-match': `"${sha}"` }), blob)).toEqual({ kind: 'not_modified' });
    expect(planBlobResponse(req({ 'if-none-match': `"x", W/"${sha}"` }), blob)).toEqual({ kind: 'not_modified' });
    expect(planBlobResponse(req({ 'if-none-match': '"other"' }), blob)).toEqual({ kind: 'full' });
  });
});
