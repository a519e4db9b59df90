import type { ChildProcess } from 'node:child_process';

/** `dist/apps/server/src/main.js` of this checkout. */
export declare const SERVER_MAIN: string;

/** A MinIO server on a free loopback port, with a fresh data directory and its root credentials. */
export interface RunningMinio {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  pid: number;
  /** SIGTERM (SIGKILL after 10 s), wait for the exit, remove its data directory. */
  stop(): Promise<void>;
}

/** A FerretDB process (MongoDB wire protocol over SQLite) on a free loopback port. */
export interface RunningFerretDb {
  /** `mongodb://127.0.0.1:<port>/` */
  uri: string;
  pid: number;
  /** SIGTERM (SIGKILL after 10 s), wait for the exit, remove its data directory. */
  stop(): Promise<void>;
}

/** A Hoard server process started from the build, on a free loopback port. */
export interface RunningHoardServer {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** The bootstrap admin key the server was started with. */
  adminKey: string;
  proc: ChildProcess;
  /** What the process wrote so far (stdout and stderr; the tail only when an output limit was given). */
  output(): string;
  /** SIGTERM and wait for the exit (SIGKILL after the grace period, if one was given); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Options of the backing servers (MinIO, FerretDB). */
export interface BackingServerOptions {
  /** The data directory (default a fresh one in the system temp dir); removed by `stop()`. */
  dir?: string;
  /** How long to wait until the server answers (MinIO 30 s, FerretDB 20 s by default). */
  timeoutMs?: number;
  /** Sees the process right after the spawn (e.g. to register it for cleanup). */
  onSpawn?: (proc: ChildProcess) => void;
}

export interface HoardServerOptions {
  /** Extra environment; HOARD_DATA_DIR, PORT, HOST and HOARD_BOOTSTRAP_ADMIN_KEY are set unless given here. */
  env?: Record<string, string | undefined>;
  dataDir?: string;
  port?: number;
  /** The server's entry point (default SERVER_MAIN). */
  main?: string;
  /** The route polled until it answers 2xx (default `/ready`). */
  waitPath?: string;
  /** How long to poll it (default 30 s). */
  timeoutMs?: number;
  /** Time `stop()` gives SIGTERM before SIGKILL (default Infinity: never). */
  graceMs?: number;
  /** Prefix of the generated bootstrap admin key (default `hk_test_`). */
  keyPrefix?: string;
  /** Keep only about this many characters of output (default everything). */
  outputLimit?: number;
  /**
   * A command that runs the server: `node main.js` is appended to it (e.g. `unshare -m sh -c '… && exec "$0" "$@"'` to
   * give the server a mount of its own). It must exec the server, so that the process is the server's.
   */
  wrap?: string[];
  /** Sees the process right after the spawn. */
  onSpawn?: (proc: ChildProcess) => void;
}

/** The server did not answer in time or exited first. */
export declare class ServerStartError extends Error {
  /** What the process wrote. */
  readonly output: string;
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export declare function freePort(): Promise<number>;
/** A fresh directory under the system temp dir. */
export declare function tempDir(prefix?: string): string;
/** Where the test servers' binaries are cached (`${HOARD_TEST_CACHE:-~/.cache/hoard-test}`). */
export declare function testCacheDir(): string;
/** `<cache>/bin/<name>` when it exists, else null. */
export declare function cachedBinary(name: string): string | null;
/**
 * A test server binary `<cache>/bin/<name>`: built (or found up to date) by `script` when `go` is on the PATH,
 * progress going to stderr; else the cached one. Null when it cannot be had.
 */
export declare function prepareBinary(name: string, script: string, what: string): Promise<string | null>;
/** The MinIO binary: from the cache, or built once by `build-minio.sh` when `go` is on the PATH. */
export declare function prepareMinio(): Promise<string | null>;
/** The FerretDB launcher: from the cache, or built once by `build-ferretdb.sh` when `go` is on the PATH. */
export declare function prepareFerretDb(): Promise<string | null>;
/** SIGTERM, then SIGKILL after `graceMs` (default 10 s; never when Infinity); resolves with the exit code. */
export declare function stopProcess(proc: ChildProcess, graceMs?: number): Promise<number | null>;
/** Polls `url` until it answers 2xx, `proc` exits, or the time runs out; resolves with whether it answered. */
export declare function waitHttp(url: string, proc?: ChildProcess | null, timeoutMs?: number): Promise<boolean>;
/** Starts `minio server` on a free port and waits until it reports ready. */
export declare function startMinio(bin: string, options?: BackingServerOptions): Promise<RunningMinio>;
/** Starts the FerretDB launcher on a free port and waits until a client ping answers. */
export declare function startFerretDb(bin: string, options?: BackingServerOptions): Promise<RunningFerretDb>;
/** Starts `node <main>` on a free port with its own data directory and waits until `waitPath` answers. */
export declare function startHoardServer(options?: HoardServerOptions): Promise<RunningHoardServer>;
