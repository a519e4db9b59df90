import { Command, Option } from 'commander';
import { HoardError, KeyInfo, Scope } from '@app/contracts';
import { collect, everyValueOf, scopeList } from './option-parsers';
import { commandContext } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { renderTable } from '../ui/table';

/** `hoard keys create|ls|revoke`: key administration with an admin key. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('create, list and revoke API keys (needs an admin key)');
  keys
    .command('create')
    .description('mint a key; its secret is shown once')
    .addOption(new Option('--name <name>', 'a name for people').env('HOARD_KEY_NAME').makeOptionMandatory())
    .addOption(
      new Option('--scope <scope>', 'read, write or admin (repeatable)').env('HOARD_KEY_SCOPES').argParser(scopeList).makeOptionMandatory(),
    )
    .addOption(new Option('--expires <time>', 'expiry as an ISO time (e.g. 2027-01-01T00:00:00Z; default never)').env('HOARD_KEY_EXPIRES'))
    .addOption(
      new Option('--hostname <host>', 'limit the key to this host (repeatable; with --bucket, its tenants; default unlimited)')
        .env('HOARD_KEY_HOSTNAMES')
        .argParser(collect),
    )
    .addOption(
      new Option('--bucket <bucket>', 'limit the key to this bucket (repeatable; with --hostname, its tenants; default unlimited)')
        .env('HOARD_KEY_BUCKETS')
        .argParser(collect),
    )
    .addOption(new Option('--json', 'the created key as JSON on stdout').env('HOARD_JSON'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const { connect, out } = commandContext(cmd);
        const flags = cmd.opts<{ name: string; scope: Scope[]; expires?: string; hostname?: string[]; bucket?: string[] }>();
        const expires = flags.expires ? new Date(flags.expires) : null;
        if (expires && Number.isNaN(expires.getTime())) throw new HoardError('invalid_request', `--expires ${flags.expires} is not a time`);
        const api = await connect();
        try {
          // The program takes --hostname too (this host's name): its values are read as given, else the environment's.
          const given = everyValueOf(cmd, '--hostname');
          const hostnames = given.length > 0 ? given : flags.hostname;
          const created = await api.createKey({
            name: flags.name,
            scopes: [...new Set(flags.scope)],
            expires_at: expires?.toISOString(),
            ...(hostnames ? { hostnames: [...new Set(hostnames)] } : {}),
            ...(flags.bucket ? { buckets: [...new Set(flags.bucket)] } : {}),
          });
          out.result(created, () => `${created.key}\n`);
          if (!out.json)
            out.note(
              `Key ${created.id} (${created.name}: ${created.scopes.join(', ')}; ${tenantsOf(created)}) created; the secret above is shown only once.`,
            );
        } finally {
          await api.close();
        }
      }),
    );
  keys
    .command('ls')
    .description('every key, without secrets')
    .addOption(new Option('--json', 'one JSON object per key on stdout').env('HOARD_JSON'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const { connect, out } = commandContext(cmd);
        const api = await connect();
        try {
          const items = await api.listKeys();
          if (out.json) items.forEach((k) => out.line(k));
          else out.print(renderTable(items, KEY_COLUMNS));
        } finally {
          await api.close();
        }
      }),
    );
  keys
    .command('revoke')
    .description('revoke a key; it stops working at once')
    .argument('<id>', 'the key id')
    .action((id: string, _o: unknown, cmd: Command) =>
      runAction(async () => {
        const { connect, out } = commandContext(cmd);
        const api = await connect();
        try {
          await api.revokeKey(id);
          out.note(`Key ${id} revoked.`);
        } finally {
          await api.close();
        }
      }),
    );
  return keys;
}

const KEY_COLUMNS = [
  { title: 'ID', value: (k: KeyInfo) => k.id },
  { title: 'NAME', value: (k: KeyInfo) => k.name },
  { title: 'SCOPES', value: (k: KeyInfo) => k.scopes.join(',') },
  { title: 'TENANTS', value: tenantsOf },
  { title: 'CREATED', value: (k: KeyInfo) => k.created_at ?? '' },
  { title: 'EXPIRES', value: (k: KeyInfo) => k.expires_at ?? '' },
  { title: 'LAST USED', value: (k: KeyInfo) => k.last_used_at ?? '' },
  { title: 'REVOKED', value: (k: KeyInfo) => k.revoked_at ?? '' },
];

/** A key's tenants as one cell: `all`, or `host:a,bucket:b`. */
function tenantsOf(key: Pick<KeyInfo, 'hostnames' | 'buckets'>): string {
  const tenants = [...key.hostnames.map((h) => `host:${h}`), ...key.buckets.map((b) => `bucket:${b}`)];
  return tenants.length === 0 ? 'all tenants' : tenants.join(',');
}
