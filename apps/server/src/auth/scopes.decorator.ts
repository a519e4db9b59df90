import { SetMetadata } from '@nestjs/common';
import type { Scope } from '@app/contracts';

export const REQUIRED_SCOPE = 'hoard:required-scope';
export const PUBLIC_ROUTE = 'hoard:public';

/** The scope a route needs; `any` accepts every valid key. */
export type RequiredScope = Scope | 'any';

export const RequireScope = (scope: RequiredScope) => SetMetadata(REQUIRED_SCOPE, scope);

/** A route that needs no key. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** `admin` covers `write`, which covers `read`. */
export function scopeAllows(granted: readonly Scope[], required: RequiredScope): boolean {
  if (required === 'any' || granted.includes('admin')) return true;
  if (required === 'read') return granted.includes('read') || granted.includes('write');
  return granted.includes(required);
}
