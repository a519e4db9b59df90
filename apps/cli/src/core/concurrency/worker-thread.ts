import { join } from 'node:path';
import { Worker, WorkerOptions } from 'node:worker_threads';

/** Compiles TypeScript sources as a worker requires them; needed only where the code runs from its sources. */
const TS_LOADER = join(__dirname, 'ts-worker-loader.js');

/**
 * Starts a worker thread running the module `file` (as `require.resolve` names it): the build's compiled .js, or,
 * where the code runs from its TypeScript sources (the unit specs), the .ts file through a loader that compiles it.
 * The one way the CLI starts its threads, so that specs run the same worker code as the build.
 */
export function startWorker(file: string, options: WorkerOptions = {}): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, options);
  return new Worker(file, { ...options, execArgv: [...(options.execArgv ?? []), '--require', TS_LOADER] });
}
