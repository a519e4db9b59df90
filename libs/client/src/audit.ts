import { AuditEntryInfo, AuditVerification, HoardError, ListAuditQuery, Page, ROUTES } from '@app/contracts';
import { createInterface } from 'node:readline';
import { ScanRoutes } from './scan-routes';

/** The filters of the audit log (every field of {@link ListAuditQuery} but paging). */
export type AuditFilters = Omit<ListAuditQuery, 'limit' | 'cursor'>;

/** The routes of the audit log (`/api/v1/audit`), for admin keys. */
export abstract class AuditRoutes extends ScanRoutes {
  /** One page of entries, newest first. */
  listAudit(query: ListAuditQuery = {}): Promise<Page<AuditEntryInfo>> {
    return this.http.json({ method: 'GET', path: ROUTES.audit, query: { ...query }, what: 'list audit entries' });
  }

  /**
   * Every entry matching, newest first, as the server streams them (NDJSON), one at a time: nothing holds the whole
   * export. Stop early by leaving the loop (the connection is closed).
   */
  async *exportAudit(filters: AuditFilters = {}): AsyncGenerator<AuditEntryInfo> {
    const res = await this.http.send({
      method: 'GET',
      path: ROUTES.audit,
      query: { ...filters },
      headers: { accept: 'application/x-ndjson' },
      what: 'export audit entries',
    });
    const lines = createInterface({ input: res.body, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (line.length === 0) continue;
        let entry: AuditEntryInfo;
        try {
          entry = JSON.parse(line) as AuditEntryInfo;
        } catch {
          throw new HoardError('internal_error', 'the server sent an audit export line that is not JSON');
        }
        yield entry;
      }
    } finally {
      lines.close();
      res.body.destroy();
    }
  }

  /** Walks every chain of the log: whether no entry was changed, removed or reordered. */
  verifyAudit(): Promise<AuditVerification> {
    return this.http.json({ method: 'GET', path: ROUTES.auditVerify, what: 'verify audit log' });
  }
}
