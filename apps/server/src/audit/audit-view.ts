import { Injectable } from '@nestjs/common';
import { HoardError, type AuditEntryInfo, type ListAuditQuery, type Page } from '@app/contracts';
import { LIMITS } from '@app/contracts';
import type { AuditEntry, AuditFilter } from '@app/metadata';
import { Readable } from 'node:stream';
import { AuditService } from './audit.service';

export const NDJSON = 'application/x-ndjson';

/** An entry as the API shows it. */
export function auditEntryInfo(entry: AuditEntry): AuditEntryInfo {
  return { ...entry, at: entry.at.toISOString() };
}

/** The audit routes' work between HTTP and {@link AuditService}: filters read, entries shown, the export streamed. */
@Injectable()
export class AuditView {
  constructor(private readonly audit: AuditService) {}

  /** The filter of a query. @throws HoardError `invalid_request` when `since` is after `until`. */
  filterOf(query: ListAuditQuery): AuditFilter {
    const since = query.since === undefined ? undefined : new Date(query.since);
    const until = query.until === undefined ? undefined : new Date(query.until);
    if (since && until && since.getTime() > until.getTime()) {
      throw new HoardError('invalid_request', 'since must not be after until', { details: { field: 'since' } });
    }
    return {
      since,
      until,
      key_id: query.key_id,
      action: query.action,
      sha256: query.sha256?.toLowerCase(),
      hostname: query.hostname,
      bucket: query.bucket,
    };
  }

  async page(query: ListAuditQuery): Promise<Page<AuditEntryInfo>> {
    const page = await this.audit.list({ ...this.filterOf(query), limit: query.limit ?? LIMITS.listLimitDefault, cursor: query.cursor });
    return { items: page.items.map(auditEntryInfo), next_cursor: page.nextCursor };
  }

  /** Every entry of the filter, one JSON line each, read from the store as the client takes them (backpressure). */
  lines(filter: AuditFilter): Readable {
    const audit = this.audit;
    async function* generate(): AsyncGenerator<string> {
      for await (const entry of audit.stream(filter)) yield `${JSON.stringify(auditEntryInfo(entry))}\n`;
    }
    return Readable.from(generate(), { objectMode: false });
  }
}
