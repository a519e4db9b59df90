import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { HoardError } from '@app/contracts';
import type { KeyRecord, RecordNamespace, Tenants } from '@app/metadata';
import type { AuthedRequest } from './access-control';

const KIND: Record<RecordNamespace, string> = { host: 'host', bucket: 'bucket' };

/**
 * What the calling key may see: everything (a key not limited, and every admin key), or only its tenants, the
 * hostnames and buckets it was created with. Every rule about tenants goes through here: a write outside them is
 * refused (`403`), a read outside them answers as if nothing were there (the caller's own `404`), and listings are
 * narrowed to them. Whether content by digest belongs to them is asked of `TenantGate`, which uses this scope.
 */
export class TenantScope {
  /** A key that sees every tenant. */
  static readonly ALL = new TenantScope(null);

  private constructor(private readonly limits: Tenants | null) {}

  /** The scope of a key: limited when it names any hostname or bucket. */
  static of(key: Pick<KeyRecord, 'hostnames' | 'buckets'> | undefined): TenantScope {
    if (!key || key.hostnames.length + key.buckets.length === 0) return TenantScope.ALL;
    return new TenantScope({ hostnames: [...key.hostnames], buckets: [...key.buckets] });
  }

  get limited(): boolean {
    return this.limits !== null;
  }

  /** The tenants of a limited key. @throws HoardError internal_error for a key that is not limited (a caller's mistake) */
  get tenants(): Tenants {
    if (!this.limits) throw new HoardError('internal_error', 'a key that is not limited has no tenant list');
    return this.limits;
  }

  /** Whether the key sees records of this host (`host`) or bucket (`bucket`). */
  sees(namespace: RecordNamespace, name: string): boolean {
    if (!this.limits) return true;
    return (namespace === 'host' ? this.limits.hostnames : this.limits.buckets).includes(name);
  }

  /** Refuses a write under a host or bucket outside the key's tenants. @throws HoardError forbidden */
  checkWrite(namespace: RecordNamespace, name: string): void {
    if (this.sees(namespace, name)) return;
    const field = namespace === 'host' ? 'hostname' : 'bucket';
    throw new HoardError('forbidden', `This key is limited to its tenants, and ${KIND[namespace]} "${name}" is not one of them`, {
      details: { [field]: name },
    });
  }

  /** Answers a read outside the key's tenants with `absent()` (its route's own not-found answer). */
  checkRead(namespace: RecordNamespace, name: string, absent: () => HoardError): void {
    if (!this.sees(namespace, name)) throw absent();
  }

  /** Hostnames (or buckets) a listing is narrowed to; undefined: not narrowed. */
  listed(namespace: RecordNamespace): readonly string[] | undefined {
    if (!this.limits) return undefined;
    return namespace === 'host' ? this.limits.hostnames : this.limits.buckets;
  }
}

/** The {@link TenantScope} of the request's key (checked before the handler runs). */
export const Tenancy = createParamDecorator((_data: unknown, context: ExecutionContext): TenantScope => {
  return TenantScope.of(context.switchToHttp().getRequest<AuthedRequest>().apiKey);
});
