import { CreateScanRequest, Host, Items, ListScansQuery, Page, ROUTES, ScanRun, UpdateScanRequest } from '@app/contracts';
import { ObjectRoutes } from './object-routes';

/** The routes of scan runs and hosts (`/api/v1/scans`, `/api/v1/hosts`). */
export abstract class ScanRoutes extends ObjectRoutes {
  /** Opens a scan run. Not retried: a second attempt would open a second run. */
  openScan(request: CreateScanRequest): Promise<ScanRun> {
    return this.http.json({ method: 'POST', path: ROUTES.scans, json: request, idempotent: false, what: 'open scan run' });
  }

  /**
   * Reports on a run or closes it. Retried: counts are absolute, and a close that reached the server before its
   * answer was lost makes the retry answer `conflict`.
   */
  reportScan(id: string, request: UpdateScanRequest): Promise<ScanRun> {
    return this.http.json({ method: 'PATCH', path: ROUTES.scan(id), json: request, idempotent: true, what: 'report scan run' });
  }

  getScan(id: string): Promise<ScanRun> {
    return this.http.json({ method: 'GET', path: ROUTES.scan(id), what: 'scan run' });
  }

  /** One page of scan runs, newest first. */
  listScans(query: ListScansQuery = {}): Promise<Page<ScanRun>> {
    return this.http.json({ method: 'GET', path: ROUTES.scans, query: { ...query }, what: 'list scan runs' });
  }

  /** Every host with its last scan run and staleness. */
  listHosts(): Promise<Items<Host>> {
    return this.http.json({ method: 'GET', path: ROUTES.hosts, what: 'list hosts' });
  }
}
