import { interruptedStream, randomBlob, readAll, streamOf } from '../testing/blob-bodies';
import { ByteBudget, readSmallBody } from './small-body';

describe('readSmallBody', () => {
  it('returns a body that ends under the limit whole, once its digest is checked', async () => {
    const { bytes, sha } = randomBlob(999);
    const sut = await readSmallBody(sha, streamOf(bytes, 100), 1000, {});
    expect(sut.kind === 'small' && [Buffer.concat(sut.chunks).equals(bytes), sut.size]).toEqual([true, 999]);
  });

  it('hands a body that reaches the limit back whole: the bytes read, then the rest', async () => {
    const { bytes, sha } = randomBlob(5000);
    const sut = await readSmallBody(sha, streamOf(bytes, 300), 1000, {});
    expect(sut.kind).toBe('large');
    expect(sut.kind === 'large' && (await readAll(sut.rest)).equals(bytes)).toBe(true);
  });

  it('refuses a wrong digest, a body past maxBytes or its declared size, and an interrupted body', async () => {
    const { bytes, sha } = randomBlob(500);
    const other = randomBlob(500);
    await expect(readSmallBody(sha, streamOf(other.bytes), 1000, {})).rejects.toMatchObject({ code: 'digest_mismatch' });
    await expect(readSmallBody(sha, streamOf(bytes, 100), 1000, { maxBytes: 499 })).rejects.toMatchObject({ code: 'payload_too_large' });
    await expect(readSmallBody(sha, streamOf(bytes), 1000, { expectedSize: 501 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(readSmallBody(sha, interruptedStream(bytes, 200), 1000, {})).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(readSmallBody(sha, interruptedStream(bytes, 200, new Error('reset')), 1000, {})).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});

describe('ByteBudget', () => {
  it('lets reservations in while they fit, then in order as bytes come back', async () => {
    const sut = new ByteBudget(100);
    const order: string[] = [];
    await sut.take(60);
    const big = sut.take(50).then(() => order.push('big'));
    const small = sut.take(10).then(() => order.push('small'));
    await Promise.resolve();
    expect(order).toEqual([]);
    sut.give(60);
    await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']);
  });

  it('lets one reservation larger than the whole budget in when nothing else is held', async () => {
    const sut = new ByteBudget(100);
    await expect(sut.take(500)).resolves.toBeUndefined();
    let second = false;
    const next = sut.take(1).then(() => (second = true));
    await Promise.resolve();
    expect(second).toBe(false);
    sut.give(500);
    await next;
    expect(second).toBe(true);
  });
});
