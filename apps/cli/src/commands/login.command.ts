import { Command } from 'commander';
import { commandContext } from '../io/command-context';
import { createClient } from '../io/client-factory';
import { updateConfigFile } from '../io/config-writer';
import { runAction } from '../ui/error-printer';

/** `hoard login --url U --api-key K`: checks the key with the server, then saves both (mode 0600). */
export function loginCommand(): Command {
  return new Command('login')
    .description('check the URL and API key with the server and save them in the config file')
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const { config, out } = commandContext(cmd);
        const api = createClient(config);
        try {
          const me = await api.me();
          updateConfigFile(config.configFile, { url: config.url, api_key: config.apiKey });
          out.note(`Logged in to ${config.url} as "${me.name}" (${me.scopes.join(', ')}); saved to ${config.configFile}`);
        } finally {
          await api.close();
        }
      }),
    );
}
