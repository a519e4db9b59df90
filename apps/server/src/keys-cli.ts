import 'reflect-metadata';
import { Command, Option } from 'commander';
import { Scope, SCOPES } from '@app/contracts';
import { makeDataDir } from './stores/data-dir';
import { KeysService } from './auth/keys.service';
import { ConfigError, loadConfig } from './config/load-config';
import { createMetadataStore } from './stores/store.factory';

/**
 * `npm run keys -- create|list|revoke`: key administration straight on the metadata store (the same configuration
 * as the server: HOARD_DATA_DIR, or HOARD_METADATA=mongodb with MONGODB_URI), e.g. to mint the first key.
 */
async function withKeys<T>(work: (keys: KeysService) => Promise<T>): Promise<T> {
  const config = loadConfig();
  if (config.HOARD_METADATA === 'sqlite') makeDataDir(config.dataDir);
  const store = createMetadataStore(config);
  await store.init();
  try {
    return await work(new KeysService(store));
  } finally {
    await store.close();
  }
}

const program = new Command('keys').description('Manage Hoard API keys directly in the data store');

program
  .command('create')
  .description('mint a key and print it once')
  .requiredOption('--name <name>', 'a name that says who or what uses the key')
  .addOption(new Option('--scope <scope...>', 'read, write and/or admin').choices(SCOPES as string[]).makeOptionMandatory())
  .option('--expires <time>', 'ISO-8601 time (in the future) after which the key is refused')
  .option('--hostname <host...>', 'limit the key to these hosts (with --bucket, its tenants; default unlimited)')
  .option('--bucket <bucket...>', 'limit the key to these buckets (with --hostname, its tenants; default unlimited)')
  .option('--json', 'print the created key as JSON')
  .action(async (opts: { name: string; scope: Scope[]; expires?: string; hostname?: string[]; bucket?: string[]; json?: boolean }) => {
    const created = await withKeys((keys) =>
      keys.create({ name: opts.name, scopes: opts.scope, expiresAt: opts.expires, hostnames: opts.hostname, buckets: opts.bucket }),
    );
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(created)}\n`);
      return;
    }
    process.stderr.write(`created key ${created.id} "${created.name}" [${created.scopes.join(', ')}]; it is shown only now:\n`);
    process.stdout.write(`${created.key}\n`);
  });

program
  .command('list')
  .alias('ls')
  .description('list keys (never their secrets)')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const list = await withKeys((keys) => keys.list());
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(list)}\n`);
      return;
    }
    for (const k of list) {
      const state = k.revoked_at ? `revoked ${k.revoked_at}` : k.expires_at ? `expires ${k.expires_at}` : 'active';
      process.stdout.write(`${k.id}\t${k.name}\t${k.scopes.join(',')}\t${state}\tlast used ${k.last_used_at ?? 'never'}\n`);
    }
  });

program
  .command('revoke <id>')
  .description('revoke a key; it is refused from the next request on')
  .action(async (id: string) => {
    await withKeys((keys) => keys.revoke(id));
    process.stderr.write(`revoked ${id}\n`);
  });

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`keys: ${err instanceof ConfigError ? err.message : err.message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
