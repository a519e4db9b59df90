import { MAX_SCAN_FAILURES, type ScanFailure } from '../scan-run-store';

/** The failures a run keeps after a report: those it had, then the new ones, up to the limit. */
export function keptFailures(kept: ScanFailure[], added: ScanFailure[] | undefined): ScanFailure[] {
  if (!added || added.length === 0 || kept.length >= MAX_SCAN_FAILURES) return kept;
  const room = MAX_SCAN_FAILURES - kept.length;
  return [...kept, ...added.slice(0, room).map((f) => ({ path: f.path, reason: f.reason }))];
}
