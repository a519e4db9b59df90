import { Command, Argument, Option } from 'commander';
import { HoardError } from '@app/contracts';
import { runAction } from '../ui/error-printer';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** `hoard completion bash|zsh|fish`: prints a completion script for the shell, made from the commands themselves. */
export function completionCommand(program: () => Command): Command {
  return new Command('completion')
    .description('print a shell completion script (e.g. hoard completion bash > /etc/bash_completion.d/hoard)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      '\nbash: source <(hoard completion bash)\nzsh:  source <(hoard completion zsh)\nfish: hoard completion fish | source',
    )
    .action((shell: Shell) =>
      runAction(async () => {
        if (!SHELLS.includes(shell)) throw new HoardError('invalid_request', `no completion for ${shell}`);
        process.stdout.write(completionScript(program(), shell));
      }),
    );
}

/** The completion script of `program` for `shell`. */
export function completionScript(program: Command, shell: Shell): string {
  if (shell === 'bash') return bashScript(program);
  if (shell === 'zsh') return zshScript(program);
  return fishScript(program);
}

/** A command's own options and those of every command above it. */
function optionsOf(cmd: Command): Option[] {
  const own = cmd.options.filter((o) => !o.hidden);
  return cmd.parent ? [...optionsOf(cmd.parent), ...own] : [...own, new Option('-h, --help', 'show help')];
}

/** Every command with its name path (`keys create`), the program itself as ''. */
function commandsOf(cmd: Command, path: string[] = []): Array<[string[], Command]> {
  return [[path, cmd], ...cmd.commands.flatMap((c) => commandsOf(c, [...path, c.name()]))];
}

const flags = (o: Option) => [o.short, o.long].filter((f): f is string => Boolean(f));

function bashScript(program: Command): string {
  const cases = commandsOf(program).map(([path, cmd]) => {
    const words = [...cmd.commands.map((c) => c.name()), ...optionsOf(cmd).flatMap(flags)].join(' ');
    return `    "${path.join(' ')}") words="${words}" ;;`;
  });
  return `# hoard completion for bash
_hoard() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmdpath="" w i words
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) ;; *) case " $(_hoard_words "$cmdpath") " in *" $w "*) cmdpath="\${cmdpath:+$cmdpath }$w" ;; esac ;; esac
  done
  words="$(_hoard_words "$cmdpath")"
  if [[ "$cur" == -* || -z "$cmdpath" || "$words" != -* ]]; then COMPREPLY=($(compgen -W "$words" -- "$cur")); fi
}
_hoard_words() {
  local words=""
  case "$1" in
${cases.join('\n')}
  esac
  echo "$words"
}
complete -o default -F _hoard hoard
`;
}

const zshText = (text: string) => text.replace(/[[\]:'\\]/g, (c) => (c === "'" ? "'\\''" : `\\${c}`));

function zshScript(program: Command): string {
  const spec = (cmd: Command) =>
    optionsOf(cmd).map((o) => {
      const names = flags(o);
      const value = o.required || o.optional ? `:${zshText(o.flags.split(' ').pop() ?? 'value')}:` : '';
      const repeat = o.variadic || /repeatable/.test(o.description) ? '*' : '';
      return names.map((n) => `'${repeat}${n}[${zshText(o.description)}]${value}'`).join(' ');
    });
  const cases = commandsOf(program)
    .filter(([path]) => path.length > 0)
    .map(([path, cmd]) => {
      const sub = cmd.commands.map((c) => `'${c.name()}:${zshText(c.description())}'`).join(' ');
      const rest = sub ? `'1:command:((${cmd.commands.map((c) => c.name()).join(' ')}))'` : "'*:file:_files'";
      return `    "${path.join(' ')}") _arguments ${[...spec(cmd), rest].join(' ')} ;;${sub ? ` # ${cmd.commands.length} commands` : ''}`;
    });
  const top = program.commands.map((c) => `'${c.name()}:${zshText(c.description())}'`).join(' ');
  const parents = program.commands
    .filter((c) => c.commands.length > 0)
    .map((c) => c.name())
    .join('|');
  return `#compdef hoard
# hoard completion for zsh
_hoard() {
  local -a commands
  local i cmdpath=""
  for ((i = 2; i < CURRENT; i++)); do
    [[ "\${words[i]}" == -* ]] && continue
    case "$cmdpath" in ""|${parents}) cmdpath="\${cmdpath:+$cmdpath }\${words[i]}" ;; esac
  done
  if [[ -z "$cmdpath" ]]; then
    commands=(${top})
    _describe 'command' commands
    _arguments ${spec(program).join(' ')}
    return
  fi
  # What follows the command words is completed as the arguments of that command.
  local -a parts=(\${(z)cmdpath})
  local n=\${#parts}
  words=("\${words[1]}" "\${(@)words[$((n + 2)),-1]}")
  (( CURRENT -= n ))
  case "$cmdpath" in
${cases.join('\n')}
  esac
}
compdef _hoard hoard
`;
}

function fishScript(program: Command): string {
  const lines = ['# hoard completion for fish', 'complete -c hoard -f'];
  const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  for (const [path, cmd] of commandsOf(program)) {
    const when = path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${path[path.length - 1]}`;
    for (const sub of cmd.commands) lines.push(`complete -c hoard -n ${quote(when)} -a ${sub.name()} -d ${quote(sub.description())}`);
    for (const o of cmd.options.filter((x) => !x.hidden)) {
      const names = [o.short ? `-s ${o.short.slice(1)}` : '', o.long ? `-l ${o.long.slice(2)}` : ''].filter(Boolean).join(' ');
      lines.push(
        `complete -c hoard ${path.length ? `-n ${quote(when)} ` : ''}${names}${o.required || o.optional ? ' -r' : ''} -d ${quote(o.description)}`,
      );
    }
    if (path.length > 0 && cmd.commands.length === 0) lines.push(`complete -c hoard -n ${quote(when)} -F`);
  }
  return `${lines.join('\n')}\n`;
}
