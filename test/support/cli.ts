import { ChildProcessByStdio, spawn } from 'node:child_process';
import { type Readable, Transform, type Writable } from 'node:stream';
import { createServer, IncomingMessage, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { scratchDir } from './tree';

export const HOARD_BIN = join(__dirname, '..', '..', 'bin', 'hoard.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `hoard` process: its output so far and its end. */
export interface CliProcess {
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
  /** Sends a signal to the process (SIGINT is what Ctrl-C sends). */
  signal(name: NodeJS.Signals): void;
}

/** An isolated home for the CLI: its own config dir, cache dir and HOME, so no test sees another's state. */
export function cliHome(walker: Walker = 'native'): Record<string, string> {
  const home = scratchDir('hoard-cli-home-');
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    HOARD_CACHE_DIR: join(home, '.cache', 'hoard'),
    HOARD_HOSTNAME: 'e2e-host',
    HOARD_WALKER: walker,
  };
}

/**
 * How a scan lists the tree: the native scanner (the default where it is built; CI requires it) or Node's fs
 * (HOARD_WALKER=js, the fallback). The suites that exercise the walk run with both.
 */
export const WALKERS = ['native', 'js'] as const;
export type Walker = (typeof WALKERS)[number];

/**
 * Starts the built CLI (`node bin/hoard.js <args>`) with a clean environment plus `env`. With `unprivileged`, a test
 * running as root drops the capabilities that bypass file permissions (through setpriv), so that permissions bite;
 * it stays uid 0, so the checkout is reachable wherever it lies.
 */
export function spawnCli(
  args: string[],
  env: Record<string, string | undefined>,
  unprivileged = false,
  options: SpawnOptions = {},
): CliProcess {
  const proc = startCli(args, env, { ...options, unprivileged });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
  return { stdout: () => stdout, stderr: () => stderr, done, signal: (name) => proc.kill(name) };
}

/** Runs the CLI to its end. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  unprivileged = false,
  options: SpawnOptions = {},
): Promise<CliResult> {
  return spawnCli(args, env, unprivileged, options).done;
}

export interface SpawnOptions {
  /** Working directory (default the test's). */
  cwd?: string;
  /** Written to standard input, which is then closed (default: no standard input). */
  input?: string;
  unprivileged?: boolean;
}

/** Starts the built CLI with its standard streams as pipes the test reads (and writes) itself. */
export function startCli(
  args: string[],
  env: Record<string, string | undefined>,
  options: SpawnOptions = {},
): ChildProcessByStdio<Writable, Readable, Readable> {
  const fullEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...env };
  for (const name of Object.keys(fullEnv)) if (fullEnv[name] === undefined) delete fullEnv[name];
  const [command, argv] =
    options.unprivileged && process.getuid?.() === 0
      ? ['setpriv', ['--bounding-set', '-dac_override,-dac_read_search', process.execPath, HOARD_BIN, ...args]]
      : [process.execPath, [HOARD_BIN, ...args]];
  const proc = spawn(command, argv, { env: fullEnv, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  if (options.input !== undefined) proc.stdin.end(options.input);
  else proc.stdin.end();
  return proc;
}

/** Parses NDJSON: every line must be one JSON object with an `event` (a line that is not fails the test). */
export function ndjson(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const value = JSON.parse(line);
      if (!value || typeof value !== 'object' || typeof value.event !== 'string') throw new Error(`not an event: ${line}`);
      return value;
    });
}

/** A pass-through HTTP proxy in front of a server that lets a test act when a request arrives. */
export interface TestProxy {
  url: string;
  close(): Promise<void>;
}

/** Forwards every request to `target`; `before` runs (and is awaited) before a request is forwarded. */
export async function startProxy(target: string, before: (req: IncomingMessage) => Promise<void> | void): Promise<TestProxy> {
  const to = new URL(target);
  const server: Server = createServer(async (req, res) => {
    await before(req);
    const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Sums the samples of a Prometheus counter whose labels match `labels` (all of them). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{([^}]*)\})?\s+([0-9.eE+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)) found[pair[1]] = pair[2];
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(m[4]);
  }
  return sum;
}

/** A proxy that counts the request bytes it forwards, by method, and can forward them slowly. */
export interface MeteredProxy extends TestProxy {
  /** Request body bytes delivered to the server so far, by method (and path prefix: `/api/v1/uploads`). */
  forwarded(method: string, pathPrefix?: string): number;
  /** Requests under way. */
  active(): number;
  /** Bytes per second request bodies may go at (default: no limit). */
  rate: number;
}

/**
 * Forwards every request to `target`, counting the request body bytes it delivers and pacing them at `rate` bytes
 * per second; a client that goes away is gone for the server too (the forwarded request is cut, and what it still
 * held is dropped, not counted).
 */
export async function startMeteredProxy(target: string): Promise<MeteredProxy> {
  const to = new URL(target);
  const counts = new Map<string, number>();
  let active = 0;
  const proxy = { rate: Number.POSITIVE_INFINITY } as MeteredProxy;
  const server: Server = createServer((req, res) => {
    const method = req.method ?? '';
    const counted = `${method} ${req.url ?? ''}`;
    active++;
    res.once('close', () => active--);
    const upstream = httpRequest({ host: to.hostname, port: to.port, method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.on('close', () => {
      if (!req.complete) upstream.destroy();
    });
    const deliver = (chunk: Buffer, done: (error: null, chunk?: Buffer) => void) => {
      if (upstream.destroyed) return done(null);
      counts.set(counted, (counts.get(counted) ?? 0) + chunk.length);
      done(null, chunk);
    };
    const paced = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        const wait = Number.isFinite(proxy.rate) ? (chunk.length / proxy.rate) * 1000 : 0;
        if (wait < 1) return deliver(chunk, done);
        setTimeout(() => deliver(chunk, done), wait);
      },
    });
    req.pipe(paced).pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    forwarded: (method: string, pathPrefix = '') =>
      [...counts].filter(([key]) => key.startsWith(`${method} ${pathPrefix}`)).reduce((sum, [, n]) => sum + n, 0),
    active: () => active,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}
