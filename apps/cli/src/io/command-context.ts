import { Command } from 'commander';
import { HoardClient } from '@app/client';
import { Output } from '../ui/output';
import { CliConfig, ConfigFlags, resolveConfig } from './cli-config';
import { createClient } from './client-factory';

/** What a command needs: resolved configuration, output, and a client. */
export interface CommandContext {
  config: CliConfig;
  out: Output;
  client(): HoardClient;
}

/** Builds the context from a command's own and global options. */
export function commandContext(cmd: Command): CommandContext {
  const opts = cmd.optsWithGlobals<ConfigFlags & { json?: boolean }>();
  const config = resolveConfig(opts);
  let client: HoardClient | null = null;
  return {
    config,
    out: new Output(Boolean(opts.json)),
    client: () => (client ??= createClient(config)),
  };
}
