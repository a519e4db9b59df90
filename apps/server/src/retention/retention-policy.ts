import type { RetentionRule, VersionInfo } from '@app/metadata';

const DAY_MS = 86_400_000;

/** What retention does with one path's versions: remove some of them, or forget the deleted path whole. */
export type PathPlan = { forget: false; remove: string[] } | { forget: true; deletedAt: Date };

/**
 * The retention rules, looked up by (namespace, path): a file record's hostname and filepath, or an object's bucket
 * and key. The rule that applies is the most specific one: a rule naming the namespace before a `*` rule, then the
 * longest path prefix. A prefix is a directory or a file, as everywhere in the API: `/a/b` covers `/a/b` and
 * `/a/b/…` but not `/a/bc`; `/a/b/` only what is under `/a/b`; an empty prefix every path.
 */
export class RetentionPolicy {
  private readonly named = new Map<string, Map<string, RetentionRule>>();
  private readonly anyNamespace = new Map<string, RetentionRule>();

  constructor(readonly rules: readonly RetentionRule[]) {
    for (const rule of rules) {
      const map = rule.hostname === '*' ? this.anyNamespace : (this.named.get(rule.hostname) ?? new Map<string, RetentionRule>());
      if (rule.hostname !== '*') this.named.set(rule.hostname, map);
      // Two rules for one namespace and prefix are refused when set; were there any, the first would stand.
      if (!map.has(rule.path_prefix)) map.set(rule.path_prefix, rule);
    }
  }

  /** No rule: everything is kept. */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The rule for a path, or null when none covers it (then all of it is kept). */
  ruleFor(namespace: string, path: string): RetentionRule | null {
    return longestPrefixRule(this.named.get(namespace), path) ?? longestPrefixRule(this.anyNamespace, path);
  }
}

/**
 * The rule of the longest prefix covering `path`: the path itself, then each directory above it (as `/a/b/` and as
 * `/a/b`), down to the empty prefix. Each look-up is one map access, so a path costs its depth, whatever the number
 * of rules.
 */
function longestPrefixRule(prefixes: Map<string, RetentionRule> | undefined, path: string): RetentionRule | null {
  if (!prefixes || prefixes.size === 0) return null;
  const exact = prefixes.get(path);
  if (exact) return exact;
  for (let i = path.lastIndexOf('/'); i >= 0; i = i === 0 ? -1 : path.lastIndexOf('/', i - 1)) {
    const rule = prefixes.get(path.slice(0, i + 1)) ?? (i > 0 ? prefixes.get(path.slice(0, i)) : undefined);
    if (rule) return rule;
  }
  return prefixes.get('') ?? null;
}

/**
 * What `rule` removes of one path's versions (newest first; the first is the path's current version), at `now`:
 * - a path whose current version was deleted more than `keep_deleted_days` ago is forgotten: every version goes;
 * - otherwise its current version stays (deleted or not), and an older version stays when it is among the
 *   `keep_last` newest, or when it was the current version at some moment of the last `keep_within_days` days (it
 *   was replaced since then), so that the path can be restored as it was at any time of that window;
 * - a rule that sets neither `keep_last` nor `keep_within_days` removes no version, and one without
 *   `keep_deleted_days` never forgets a deleted path.
 */
export function planPath(versions: readonly VersionInfo[], rule: RetentionRule, now: Date): PathPlan {
  const current = versions[0];
  if (current?.deleted_at && rule.keep_deleted_days !== null) {
    if (current.deleted_at.getTime() + rule.keep_deleted_days * DAY_MS <= now.getTime())
      return { forget: true, deletedAt: current.deleted_at };
  }
  if (rule.keep_last === null && rule.keep_within_days === null) return { forget: false, remove: [] };
  const since = rule.keep_within_days === null ? null : now.getTime() - rule.keep_within_days * DAY_MS;
  const remove: string[] = [];
  for (let i = 1; i < versions.length; i++) {
    if (rule.keep_last !== null && i < rule.keep_last) continue;
    if (since !== null && versions[i - 1].first_seen_at.getTime() > since) continue;
    remove.push(versions[i].id);
  }
  return { forget: false, remove };
}
