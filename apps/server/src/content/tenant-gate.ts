import { Inject, Injectable } from '@nestjs/common';
import { EMPTY_SHA256, HoardError, type Sha256 } from '@app/contracts';
import { TENANT_CONTENT, TenantContent } from '@app/metadata';
import { TenantScope } from '../auth/tenant-scope';
import { ServerSettings } from '../config/server-settings';

/**
 * Whether content by digest belongs to a key's tenants (see {@link TenantScope} for names). A key that is not
 * limited sees all content. A limited key reads content only when a record under its tenants names it; with the
 * `tenant` dedup scope it also learns that content exists (and reads it) only when its tenants hold it: a key of
 * theirs uploaded it (a proof, written after the verified put), or an object of one of its buckets names it (an
 * object's content always arrives whole). Otherwise every answer treats the content as absent, and the upload that
 * follows is verified in full and, if the content was stored already, kept once.
 */
@Injectable()
export class TenantGate {
  constructor(
    @Inject(TENANT_CONTENT) private readonly content: TenantContent,
    private readonly settings: ServerSettings,
  ) {}

  /** Whether answers to this key hide content its tenants do not hold (a limited key under the `tenant` scope). */
  hides(scope: TenantScope): boolean {
    return scope.limited && this.settings.dedupScope === 'tenant';
  }

  /** Of `digests`, those whose existence this key may learn; null: all of them. */
  async known(scope: TenantScope, digests: Sha256[]): Promise<Set<Sha256> | null> {
    if (!this.hides(scope)) return null;
    const unique = [...new Set(digests)];
    const { hostnames, buckets } = scope.tenants;
    const [proven, named] = await Promise.all([
      hostnames.length > 0 ? this.content.provenWithin(unique, { hostnames, buckets: [] }) : new Set<Sha256>(),
      buckets.length > 0 ? this.content.referencedWithin(unique, { hostnames: [], buckets }) : new Set<Sha256>(),
    ]);
    const known = new Set<Sha256>([...proven, ...named]);
    if (unique.includes(EMPTY_SHA256)) known.add(EMPTY_SHA256);
    return known;
  }

  /** Of `digests`, those this key may read by digest; null: all of them. */
  async readable(scope: TenantScope, digests: Sha256[]): Promise<Set<Sha256> | null> {
    if (!scope.limited) return null;
    const unique = [...new Set(digests)];
    const [referenced, known] = await Promise.all([this.content.referencedWithin(unique, scope.tenants), this.known(scope, unique)]);
    return known === null ? referenced : new Set([...referenced].filter((d) => known.has(d)));
  }

  /** Refuses a read by digest of content outside the key's tenants with `absent()`, exactly as if it were not stored. */
  async checkReadable(scope: TenantScope, sha256: Sha256, absent: () => HoardError): Promise<void> {
    const readable = await this.readable(scope, [sha256]);
    if (readable !== null && !readable.has(sha256)) throw absent();
  }

  /** Notes that a limited key's upload of this content was verified: its hosts hold it from now on. */
  async prove(scope: TenantScope, sha256: Sha256): Promise<void> {
    if (!scope.limited || scope.tenants.hostnames.length === 0) return;
    await this.content.proveContent(sha256, { hostnames: scope.tenants.hostnames, buckets: [] }, new Date());
  }
}
