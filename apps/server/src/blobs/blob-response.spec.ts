import type { FastifyRequest } from 'fastify';
import { normalizeSha256 } from '@app/contracts';
import { planBlobResponse } from './blob-response';

const sha = normalizeSha256('a'.repeat(64));
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

  it('finds a valid range past the end unsatisfiable', () => {
    expect(planBlobResponse(req({ range: 'bytes=100-' }), blob)).toEqual({ kind: 'unsatisfiable' });
    expect(planBlobResponse(req({ range: 'bytes=150-160' }), blob)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each(['pages=1-2', 'bytes=5-2', 'bytes=abc', 'bytes=', 'bytes=1-2,x', 'bytes=--1'])('ignores the invalid Range %s', (header) => {
    expect(planBlobResponse(req({ range: header }), blob)).toEqual({ kind: 'full' });
  });

  it('answers 304 when If-None-Match names the ETag, in any list position or weak', () => {
    expect(planBlobResponse(req({ 'if-none-match': `"${sha}"` }), blob)).toEqual({ kind: 'not_modified' });
    expect(planBlobResponse(req({ 'if-none-match': `"x", W/"${sha}"` }), blob)).toEqual({ kind: 'not_modified' });
    expect(planBlobResponse(req({ 'if-none-match': '"other"' }), blob)).toEqual({ kind: 'full' });
  });

  it('keeps the range only when If-Range names this strong ETag', () => {
    const range = { range: 'bytes=10-19' };
    expect(planBlobResponse(req({ ...range, 'if-range': `"${sha}"` }), blob)).toEqual({ kind: 'range', range: { start: 10, end: 19 } });
    expect(planBlobResponse(req({ ...range, 'if-range': `"${'b'.repeat(64)}"` }), blob)).toEqual({ kind: 'full' });
    expect(planBlobResponse(req({ ...range, 'if-range': `W/"${sha}"` }), blob)).toEqual({ kind: 'full' });
    expect(planBlobResponse(req({ ...range, 'if-range': 'Wed, 21 Oct 2015 07:28:00 GMT' }), blob)).toEqual({ kind: 'full' });
  });

  it('fails If-Match that names another tag, before anything else', () => {
    expect(planBlobResponse(req({ 'if-match': '"other"', range: 'bytes=0-1' }), blob)).toEqual({ kind: 'precondition_failed' });
    expect(planBlobResponse(req({ 'if-match': `W/"${sha}"` }), blob)).toEqual({ kind: 'precondition_failed' });
    expect(planBlobResponse(req({ 'if-match': `"x", "${sha}"`, range: 'bytes=0-1' }), blob)).toEqual({
      kind: 'range',
      range: { start: 0, end: 1 },
    });
    expect(planBlobResponse(req({ 'if-match': '*' }), blob)).toEqual({ kind: 'full' });
  });
});
