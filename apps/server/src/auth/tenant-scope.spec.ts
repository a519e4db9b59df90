import { HoardError } from '@app/contracts';
import { TenantScope } from './tenant-scope';

describe('TenantScope', () => {
  const limited = TenantScope.of({ hostnames: ['lab-1', 'lab-2'], buckets: ['scans'] });
  const absent = () => new HoardError('not_found', 'No such thing');

  it('is unlimited for no key and for a key naming no tenant, and then sees, writes and lists everything', () => {
    for (const sut of [TenantScope.of(undefined), TenantScope.of({ hostnames: [], buckets: [] }), TenantScope.ALL]) {
      expect(sut.limited).toBe(false);
      expect(sut.sees('host', 'any')).toBe(true);
      expect(sut.sees('bucket', 'any')).toBe(true);
      expect(() => sut.checkWrite('host', 'any')).not.toThrow();
      expect(() => sut.checkRead('bucket', 'any', absent)).not.toThrow();
      expect(sut.listed('host')).toBeUndefined();
      expect(() => sut.tenants).toThrow('a key that is not limited has no tenant list');
    }
  });

  it('limits a key to its hosts and buckets, never taking a bucket for a host of the same name', () => {
    expect(limited.limited).toBe(true);
    expect(limited.tenants).toEqual({ hostnames: ['lab-1', 'lab-2'], buckets: ['scans'] });
    expect([limited.sees('host', 'lab-1'), limited.sees('host', 'lab-3'), limited.sees('bucket', 'scans')]).toEqual([true, false, true]);
    expect([limited.sees('bucket', 'lab-1'), limited.sees('host', 'scans')]).toEqual([false, false]);
    expect(limited.listed('host')).toEqual(['lab-1', 'lab-2']);
    expect(limited.listed('bucket')).toEqual(['scans']);
  });

  it('a key naming only hostnames sees no bucket', () => {
    const sut = TenantScope.of({ hostnames: ['lab-1'], buckets: [] });
    expect([sut.limited, sut.sees('bucket', 'scans'), sut.listed('bucket')]).toEqual([true, false, []]);
  });

  it('refuses a write outside the tenants with 403 forbidden naming the host or bucket', () => {
    expect(() => limited.checkWrite('host', 'lab-1')).not.toThrow();
    expect(() => limited.checkWrite('host', 'other')).toThrow(
      expect.objectContaining({
        code: 'forbidden',
        message: 'This key is limited to its tenants, and host "other" is not one of them',
        details: { hostname: 'other' },
      }),
    );
    expect(() => limited.checkWrite('bucket', 'photos')).toThrow(
      expect.objectContaining({
        code: 'forbidden',
        message: 'This key is limited to its tenants, and bucket "photos" is not one of them',
        details: { bucket: 'photos' },
      }),
    );
  });

  it("answers a read outside the tenants with the route's own not-found answer", () => {
    expect(() => limited.checkRead('host', 'lab-2', absent)).not.toThrow();
    expect(() => limited.checkRead('host', 'other', absent)).toThrow(
      expect.objectContaining({ code: 'not_found', message: 'No such thing' }),
    );
  });
});
