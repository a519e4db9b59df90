import { Command } from 'commander';
import { HoardClient } from '@app/client';
import { Output } from '../ui/output';
import { CliConfig, ConfigFlags, resolveConfig } from './cli-config';
import { ClientOptions, createClient } from './client-factory';

/** What a command needs: resolved configuration, output, and a client. */
export interface CommandContext {
  config: CliConfig;
  out: Output;
  /** `--quiet`: no progress, notes or summaries on stderr. */
  quiet: boolean;
  /** The client (made once), without contacting the server. */
  client(options?: ClientOptions): HoardClient;
  /** The client, once a quick check found the server answering: a wrong URL fails in about two seconds. */
  connect(options?: ClientOptions): Promise<HoardClient>;
}

/** Builds the context from a command's own and global options. */
export function commandContext(cmd: Command): CommandContext {
  const opts = cmd.optsWithGlobals<ConfigFlags & { json?: boolean; quiet?: boolean }>();
  const config = resolveConfig(opts);
  let client: HoardClient | null = null;
  const make = (options?: ClientOptions) => (client ??= createClient(config, options));
  return {
    config,
    quiet: Boolean(opts.quiet),
    out: new Output(Boolean(opts.json), Boolean(opts.quiet)),
    client: make,
    connect: async (options) => {
      const api = make(options);
      try {
        await api.probe();
      } catch (err) {
        await api.close();
        throw err;
      }
      return api;
    },
  };
}

/** Runs `body` with a checked client and closes it afterwards. */
export async function withClient<T>(ctx: CommandContext, body: (api: HoardClient) => Promise<T>, options?: ClientOptions): Promise<T> {
  const api = await ctx.connect(options);
  try {
    return await body(api);
  } finally {
    await api.close();
  }
}
