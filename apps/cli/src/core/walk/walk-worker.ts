import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openCacheReader } from '../../io/state-cache/cache-reader';
import { dirReports } from './dir-reports';
import { ScanWalker } from './scan-walker';
import { AHEAD, PackedReport, packReport, WalkJob, WalkMessage, WalkWorkerData } from './walk-protocol';

/** The walk thread: walks every root and posts the reports in batches of about 1,000 files (see ThreadWalkFeed). */
function runWalk(job: WalkJob, taken: Int32Array, port: NonNullable<typeof parentPort>): void {
  const reader = job.cache ? openCacheReader(job.cache.file, job.cache.scope) : null;
  const walker = new ScanWalker(job.options);
  let posted = 0;
  job.roots.forEach((root, index) => {
    let batch: PackedReport[] = [];
    let files = 0;
    // The last reports of a root carry its end: one message, not two, for a root that is a file (a watch batch
    // names thousands of them).
    const flush = (end?: Pick<WalkMessage, 'end' | 'error'>): void => {
      // Far enough ahead: wait until the scan takes more (it wakes this thread each time it does).
      for (let now = Atomics.load(taken, 0); posted - now > AHEAD; now = Atomics.load(taken, 0)) Atomics.wait(taken, 0, now, 1000);
      posted += files;
      const transfer = batch.flatMap((r) => [r.stats.buffer, r.digests.buffer]);
      port.postMessage({ root: index, reports: batch, files, ...end } satisfies WalkMessage, [...new Set(transfer)] as ArrayBuffer[]);
      batch = [];
      files = 0;
    };
    try {
      for (const report of dirReports(root, walker, reader, job.options.followSymlinks)) {
        batch.push(packReport(report));
        files += report.same.length + report.other.length + 1;
        if (files >= 1000) flush();
      }
      flush({ end: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      flush({ end: true, error: { code: e.code, message: e.message } });
    }
  });
  reader?.close();
}

if (!isMainThread && parentPort) {
  const data = workerData as WalkWorkerData;
  runWalk(data.job, new Int32Array(data.taken), parentPort);
}
