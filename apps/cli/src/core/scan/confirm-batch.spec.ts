import { ConfirmBatch } from './confirm-batch';
import { PendingRecord } from './scan-context';

const record = (path: string, recordId: string, size: number): PendingRecord => ({
  meta: { filepath: path, hostname: 'h', sha256: 'a'.repeat(64), size, mode: 0o644, uid: 0, gid: 0, mtime: 1, atime: 1, ctime: 1 },
  fp: { size: BigInt(size), mtimeNs: 1n, ctimeNs: 1n, ino: 1n, dev: 1n },
  fresh: false,
  recordId,
});

describe('ConfirmBatch', () => {
  it('keeps ids and sizes in order and makes a known file’s record only when asked', () => {
    const made: number[] = [];
    const source = { make: (at: number) => (made.push(at), record(`/d/${at}`, `k${at}`, at)) };
    const sut = new ConfirmBatch();
    sut.addKnown('k3', 3, source, 3);
    sut.add(record('/x', 'r9', 9));
    sut.addKnown('k5', 5, source, 5);
    expect([sut.length, sut.ids, [0, 1, 2].map((k) => sut.size(k))]).toEqual([3, ['k3', 'r9', 'k5'], [3, 9, 5]]);
    expect(made).toEqual([]);
    expect(sut.item(2).meta.filepath).toBe('/d/5');
    expect(sut.item(1).meta.filepath).toBe('/x');
    expect(made).toEqual([5]);
    expect(sut.items().map((i) => i.recordId)).toEqual(['k3', 'r9', 'k5']);
  });
});
