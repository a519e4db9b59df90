import { hostsCommand, scansCommand } from './commands/hosts.command';
import { Command, CommanderError, Option } from 'commander';
import { adminCommand } from './commands/admin.command';
import { auditCommand } from './commands/audit.command';
import { clonesCommand } from './commands/clones.command';
import { completionCommand } from './commands/completion.command';
import { getCommand } from './commands/get.command';
import { historyCommand } from './commands/history.command';
import { keysCommand } from './commands/keys.command';
import { loginCommand, logoutCommand } from './commands/login.command';
import { lsCommand } from './commands/ls.command';
import { restoreCommand } from './commands/restore.command';
import { scanCommand } from './commands/scan.command';
import { statsCommand } from './commands/stats.command';
import { verifyCommand } from './commands/verify.command';
import { catCommand } from './commands/cat.command';
import { objectsCommand } from './commands/objects.command';
import { putCommand } from './commands/put.command';
import { watchCommand } from './commands/watch.command';
import { CLI_VERSION } from './io/cli-version';
import { printError, setVerboseErrors } from './ui/error-printer';
import { EXIT, EXIT_CODES_HELP } from './ui/exit-codes';
import { exitWhenFlushed, installExitHandlers } from './ui/process-exit';

/** Builds the `hoard` program: global options and the commands. */
export function buildProgram(): Command {
  const program = new Command('hoard')
    .description('Record files with a Hoard server and upload only the content it lacks')
    // The program's own flag is -V: a program option is taken wherever it appears on the command line, and
    // `hoard cat … --version n` names a version of an object. `hoard --version` alone still prints it (see run).
    .version(CLI_VERSION, '-V', 'output the version number (also --version, alone)')
    .addOption(new Option('--url <url>', 'server URL (env HOARD_URL, default http://localhost:8000)'))
    .addOption(new Option('--api-key <key>', 'API key (env HOARD_API_KEY; "hoard login" saves one without showing it)'))
    .addOption(new Option('--hostname <name>', "this host's name in records (env HOARD_HOSTNAME, default the machine's)"))
    .addOption(new Option('--config <file>', 'config file (env HOARD_CONFIG, default $XDG_CONFIG_HOME/hoard/config.json)'))
    .addOption(new Option('--cache-dir <dir>', 'state cache directory (env HOARD_CACHE_DIR, default ~/.cache/hoard)'))
    .addOption(new Option('-v, --verbose', 'errors name their internal code and cause').env('HOARD_VERBOSE'))
    .addOption(new Option('-q, --quiet', 'no progress, notes or summary on stderr (errors still show)').env('HOARD_QUIET'))
    .addHelpText('after', EXIT_CODES_HELP)
    .showSuggestionAfterError()
    .enablePositionalOptions(false);
  const commands = [
    scanCommand(),
    getCommand(),
    restoreCommand(),
    verifyCommand(),
    lsCommand(),
    historyCommand(),
    clonesCommand(),
    statsCommand(),
    hostsCommand(),
    auditCommand(),
    scansCommand(),
    keysCommand(),
    adminCommand(),
    loginCommand(),
    logoutCommand(),
    completionCommand(() => program),
    putCommand(),
    catCommand(),
    objectsCommand(),
    watchCommand(),
  ];
  for (const command of commands) program.addCommand(command);
  // Usage errors exit 2 with one line; help and version exit 0.
  const configure = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ outputError: () => undefined });
    cmd.hook('preAction', (_, action) => setVerboseErrors(Boolean(action.optsWithGlobals<{ verbose?: boolean }>().verbose)));
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

/**
 * Runs the CLI with `argv` and exits with the code the command chose once its output has been written out (pending
 * tasks such as pooled connections do not keep it alive; a slow reader of a pipe still gets every line).
 */
export function run(argv: string[]): void {
  installExitHandlers();
  const args = argv.length === 3 && argv[2] === '--version' ? [...argv.slice(0, 2), '-V'] : argv;
  void main(args).then(() => exitWhenFlushed(Number(process.exitCode ?? 0)));
}

if (require.main === module) run(process.argv);
