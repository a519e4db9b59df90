/** How the audit page reads entries and filters: targets in a few words, the filters as the API's query. */
import type { AuditTargetInfo } from '@app/contracts/types';

/** The actions the server writes (README "Audit trail"), offered as suggestions for the action filter. */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.refused',
  'blob.get',
  'blob.pack',
  'blob.put',
  'blob.reinstate',
  'blob.takedown',
  'files.content',
  'files.delete',
  'files.record',
  'files.seen',
  'job.cancel',
  'job.create',
  'key.create',
  'key.delete',
  'key.revoke',
  'object.delete',
  'object.get',
  'object.put',
  'retention.set',
  'scan.open',
  'scan.report',
  'upload.create',
  'upload.delete',
  'upload.write',
];

/** The filters of `GET /api/v1/audit` the page offers, as they are kept in its URL. */
export const AUDIT_FILTERS = ['since', 'until', 'key_id', 'action', 'sha256', 'hostname', 'bucket'] as const;
export type AuditFilter = (typeof AUDIT_FILTERS)[number];

/** How many targets a row shows before "and N more". */
export const TARGETS_SHOWN = 2;

/** One target in a few words: a digest shortened, a host's path, a bucket's key, a key id. */
export function targetText(target: AuditTargetInfo): string {
  if ('sha256' in target) return `${target.sha256.slice(0, 12)}…`;
  if ('filepath' in target) return `${target.hostname}:${target.filepath}`;
  if ('bucket' in target) return `${target.bucket}/${target.key}`;
  return `key ${target.key_id}`;
}

/** The full form of a target, for its tooltip. */
export function targetTitle(target: AuditTargetInfo): string {
  return 'sha256' in target ? target.sha256 : targetText(target);
}

/** The first targets of an entry and how many more it had (`count` counts those beyond the 1,000 kept too). */
export function targetSummary(targets: AuditTargetInfo[], count: number): { shown: AuditTargetInfo[]; more: number } {
  const shown = targets.slice(0, TARGETS_SHOWN);
  return { shown, more: Math.max(count, targets.length) - shown.length };
}

/**
 * The API's query from the page's filters: times typed as local `datetime-local` values become ISO times; a
 * digest is sent in lower case; blanks are left out.
 */
export function auditQuery(filters: Partial<Record<AuditFilter, string>>): Partial<Record<AuditFilter, string>> {
  const query: Partial<Record<AuditFilter, string>> = {};
  for (const name of AUDIT_FILTERS) {
    const value = filters[name]?.trim();
    if (!value) continue;
    if (name === 'since' || name === 'until') {
      const ms = Date.parse(value);
      query[name] = Number.isNaN(ms) ? value : new Date(ms).toISOString();
    } else query[name] = name === 'sha256' ? value.toLowerCase() : value;
  }
  return query;
}
