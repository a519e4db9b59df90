import { Command, CommanderError, Option } from 'commander';
import { clonesCommand } from './commands/clones.command';
import { getCommand } from './commands/get.command';
import { historyCommand } from './commands/history.command';
import { keysCommand } from './commands/keys.command';
import { loginCommand } from './commands/login.command';
import { lsCommand } from './commands/ls.command';
import { restoreCommand } from './commands/restore.command';
import { scanCommand } from './commands/scan.command';
import { statsCommand } from './commands/stats.command';
import { CLI_VERSION } from './io/client-factory';
import { printError } from './ui/error-printer';
import { EXIT } from './ui/exit-codes';

/** Builds the `hoard` program: global options and the commands. */
export function buildProgram(): Command {
  const program = new Command('hoard')
    .description('Record files with a Hoard server and upload only the content it lacks')
    .version(CLI_VERSION)
    .addOption(new Option('--url <url>', 'server URL (env HOARD_URL, default http://localhost:8000)'))
    .addOption(new Option('--api-key <key>', 'API key (env HOARD_API_KEY)'))
    .addOption(new Option('--hostname <name>', "this host's name in records (env HOARD_HOSTNAME, default the machine's)"))
    .addOption(new Option('--config <file>', 'config file (env HOARD_CONFIG, default $XDG_CONFIG_HOME/hoard/config.json)'))
    .addOption(new Option('--cache-dir <dir>', 'state cache directory (env HOARD_CACHE_DIR, default ~/.cache/hoard)'))
    .showSuggestionAfterError()
    .enablePositionalOptions(false);
  for (const command of [scanCommand(), getCommand(), restoreCommand(), lsCommand(), historyCommand(), clonesCommand(), statsCommand(), keysCommand(), loginCommand()]) {
    program.addCommand(command);
  }
  // Usage errors exit 2 with one line; help and version exit 0.
  const configure = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ outputError: () => undefined });
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError && ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)) {
      process.exitCode = EXIT.ok;
    } else {
      process.exitCode = printError(err);
    }
  }
}

/** Runs the CLI with `argv` and exits with the code the command chose (pending tasks do not keep it alive). */
export function run(argv: string[]): void {
  void main(argv).then(() => process.exit());
}

if (require.main === module) run(process.argv);
