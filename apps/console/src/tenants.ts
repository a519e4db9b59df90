/** A key's tenants as the console reads and writes them: the hosts and buckets a limited key alone may see. */

/** The names typed into a field, separated by commas or line breaks; blanks dropped, each name once, in order. */
export function namesOf(text: string): string[] {
  const names = text
    .split(/[,\n]/)
    .map((name) => name.trim())
    .filter(Boolean);
  return [...new Set(names)];
}

/** Whether a key with these lists is limited (both empty: it sees every host and bucket). */
export function isLimited(key: { hostnames: string[]; buckets: string[] }): boolean {
  return key.hostnames.length + key.buckets.length > 0;
}

/** "host lab-1, host lab-2, bucket results", or "all tenants" for a key that is not limited. */
export function tenantsText(key: { hostnames: string[]; buckets: string[] }): string {
  if (!isLimited(key)) return 'all tenants';
  return [...key.hostnames.map((h) => `host ${h}`), ...key.buckets.map((b) => `bucket ${b}`)].join(', ');
}
