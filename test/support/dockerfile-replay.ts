import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import { DockerfileParser, Instruction } from 'dockerfile-ast';
import ignore from 'ignore';

/** The final stage of an image as a directory on this machine, and how the image would run it. */
export interface ReplayedImage {
  /** How many FROMs the Dockerfile has. */
  stages: number;
  /** The final stage's WORKDIR, here. */
  workdir: string;
  /** The final stage's ENV. */
  env: Record<string, string>;
  /** The final stage's USER (null when it sets none). */
  user: string | null;
  /** CMD, exec form. */
  cmd: string[];
  /** The HEALTHCHECK's command, for `sh -c`. */
  healthcheck: string | null;
  /** RUN steps left out, each with the reason. */
  skipped: string[];
}

/** RUN steps a replay leaves out: they prepare the system, not the application's files. */
const SKIPPED_RUNS: Array<[RegExp, string]> = [
  [/^apt-get /, 'system packages (this machine has python3, make and g++)'],
  [/^mkdir -p (\/\S+) && chown \S+ \1$/, "the image's data volume (the server here gets a data directory of its own)"],
];

interface Stage {
  name: string | null;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | null;
  cmd: string[];
  healthcheck: string | null;
}

/** The build context's files as `.dockerignore` leaves them (its patterns are anchored at the context's root). */
function contextFilter(context: string): (path: string) => boolean {
  const file = join(context, '.dockerignore');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  const patterns = lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const ig = ignore().add(patterns.map((p) => (p.startsWith('!') ? `!/${p.slice(1)}` : p.startsWith('**/') ? p : `/${p}`)));
  return (path) => {
    const rel = relative(context, path);
    return rel === '' || !ig.ignores(lstatSync(path).isDirectory() ? `${rel}/` : rel);
  };
}

/**
 * COPY of `sources` (paths under `from`) to `dest`, as Docker does: a directory's contents merge into `dest`, a file
 * goes into `dest` when it names a directory (`intoDir`), links stay links.
 */
function copy(from: string, sources: string[], dest: string, intoDir: boolean, filter?: (path: string) => boolean): void {
  for (const source of sources) {
    const src = join(from, source);
    if (!existsSync(src)) throw new Error(`COPY: ${source} does not exist in ${from}`);
    if (filter && !filter(src)) throw new Error(`COPY: ${source} is excluded by .dockerignore`);
    const isDir = lstatSync(src).isDirectory();
    const target = isDir || !intoDir ? dest : join(dest, basename(src));
    mkdirSync(isDir ? target : dirname(target), { recursive: true });
    cpSync(src, target, { recursive: true, verbatimSymlinks: true, filter });
  }
}

function runStep(ins: Instruction, stage: Stage, baseEnv: NodeJS.ProcessEnv, skipped: string[]): void {
  const command = (ins.getArgumentsContent() ?? '').trim();
  const skip = SKIPPED_RUNS.find(([pattern]) => pattern.test(command));
  if (skip) return void skipped.push(`${command}: ${skip[1]}`);
  const parts = command.split('&&').map((p) => p.trim());
  if (!parts.every((p) => /^npm /.test(p)))
    throw new Error(`RUN ${command}: a step this replay does not know; teach it or change the Dockerfile`);
  const cwd = join(stage.root, stage.workdir);
  const result = spawnSync('sh', ['-c', command], { cwd, env: { ...baseEnv, ...stage.env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`RUN ${command} exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
}

/**
 * Builds the image a Dockerfile describes without Docker: every stage's COPYs into a directory of its own under
 * `into` (sources from the build context through .dockerignore, or from an earlier stage), its npm RUN steps run as
 * written there, with its ENV. System steps (apt-get, the data volume) are left out and listed; any other RUN step
 * fails the replay, so that the test notices a Dockerfile it no longer follows.
 * @param baseEnv the environment of the RUN steps (PATH, HOME, npm's settings), under each stage's ENV
 */
export function replayDockerfile(context: string, into: string, baseEnv: NodeJS.ProcessEnv): ReplayedImage {
  const dockerfile = DockerfileParser.parse(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const stages: Stage[] = [];
  const skipped: string[] = [];
  const inContext = contextFilter(context);
  let stage: Stage | undefined;
  for (const ins of dockerfile.getInstructions()) {
    const keyword = ins.getKeyword();
    const args = ins.getArguments().map((a) => a.getValue());
    if (keyword === 'FROM') {
      const name = args.length === 3 && args[1].toUpperCase() === 'AS' ? args[2] : null;
      stage = { name, root: join(into, `stage-${stages.length}`), workdir: '/', env: {}, user: null, cmd: [], healthcheck: null };
      stages.push(stage);
      mkdirSync(stage.root, { recursive: true });
      continue;
    }
    if (!stage) throw new Error(`${keyword} before FROM`);
    const current: Stage = stage;
    switch (keyword) {
      case 'WORKDIR':
        current.workdir = posix.resolve(current.workdir, args[0]);
        mkdirSync(join(current.root, current.workdir), { recursive: true });
        break;
      case 'ENV':
        for (const p of (ins as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> }).getProperties()) {
          current.env[p.getName()] = p.getValue() ?? '';
        }
        break;
      case 'COPY': {
        const flags = new Map(
          (ins as unknown as { getFlags(): Array<{ getName(): string; getValue(): string | null }> })
            .getFlags()
            .map((f) => [f.getName(), f.getValue()]),
        );
        for (const flag of flags.keys()) if (flag !== 'from') throw new Error(`COPY --${flag}: not replayed`);
        const sources = args.slice(0, -1);
        const rawDest = args[args.length - 1];
        const dest = join(current.root, posix.resolve(current.workdir, rawDest));
        const fromName = flags.get('from');
        const fromStage = fromName === undefined ? null : stages.find((s, i) => s.name === fromName || String(i) === fromName);
        if (fromName !== undefined && !fromStage) throw new Error(`COPY --from=${fromName}: no such stage`);
        const intoDir = sources.length > 1 || rawDest.endsWith('/');
        copy(fromStage ? fromStage.root : context, sources, dest, intoDir, fromStage ? undefined : inContext);
        break;
      }
      case 'RUN':
        runStep(ins, current, baseEnv, skipped);
        break;
      case 'USER':
        current.user = args[0];
        break;
      case 'CMD':
        current.cmd = (ins as unknown as { getJSONStrings(): Array<{ getJSONValue(): string }> })
          .getJSONStrings()
          .map((s) => s.getJSONValue());
        if (current.cmd.length === 0) throw new Error('CMD: only the exec form is replayed');
        break;
      case 'HEALTHCHECK':
        current.healthcheck = (ins.getArgumentsContent() ?? '').replace(/^CMD\s+/, '');
        break;
      case 'VOLUME':
      case 'EXPOSE':
      case 'LABEL':
        break;
      default:
        throw new Error(`${keyword}: not replayed`);
    }
  }
  const last = stages[stages.length - 1];
  if (!last) throw new Error('no FROM');
  return {
    stages: stages.length,
    workdir: join(last.root, last.workdir),
    env: last.env,
    user: last.user,
    cmd: last.cmd,
    healthcheck: last.healthcheck,
    skipped,
  };
}
