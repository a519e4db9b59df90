import { Command, Option } from 'commander';
import { readApiKey } from '../io/api-key-input';
import { commandContext, withClient } from '../io/command-context';
import { readConfigKeys, updateConfigFile, writeConfigFile } from '../io/config-writer';
import { runAction } from '../ui/error-printer';

/**
 * `hoard login [--url U] [--api-key-file F]`: takes the key without showing it (a prompt with echo off, a file, or
 * standard input), checks it with the server, then saves URL and key (mode 0600).
 */
export function loginCommand(): Command {
  return new Command('login')
    .description('check the URL and an API key with the server and save them in the config file (the key is prompted for, not shown)')
    .addOption(new Option('--api-key-file <file>', 'read the key from this file ("-" for standard input)').env('HOARD_API_KEY_FILE'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const apiKey = await readApiKey(cmd.optsWithGlobals<{ apiKey?: string; apiKeyFile?: string }>());
        const me = await withClient(ctx, (api) => api.me(), { apiKey });
        updateConfigFile(ctx.config.configFile, { url: ctx.config.url, api_key: apiKey });
        const tenants = [...me.hostnames.map((h) => `host ${h}`), ...me.buckets.map((b) => `bucket ${b}`)];
        const limited = tenants.length === 0 ? '' : `, limited to ${tenants.join(', ')}`;
        ctx.out.note(
          `Logged in to ${ctx.config.url} as "${me.name}" (${me.scopes.join(', ')}${limited}); saved to ${ctx.config.configFile}`,
        );
      }),
    );
}

/** `hoard logout`: removes the saved API key from the config file (the other settings stay). */
export function logoutCommand(): Command {
  return new Command('logout')
    .description('remove the API key saved by "hoard login" from the config file')
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const { config, out } = commandContext(cmd);
        const saved = readConfigKeys(config.configFile);
        if (saved === null || saved.api_key === undefined) {
          out.note(`No API key is saved in ${config.configFile}.`);
          return;
        }
        const { api_key: _removed, ...rest } = saved;
        writeConfigFile(config.configFile, rest);
        out.note(`Removed the API key from ${config.configFile}.`);
      }),
    );
}
