import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import {
  AUDIT_GENESIS,
  AUDIT_STORE,
  type AuditEntry,
  type AuditFilter,
  type AuditPage,
  type AuditQuery,
  type AuditStore,
} from '@app/metadata';
import { ServerSettings } from '../config/server-settings';
import { auditHashOf } from './audit-chain';
import { auditEntryId } from '@app/metadata';

/** What a request's hook knows of an entry; the service adds its place in the chain. */
export type AuditDraft = Omit<AuditEntry, 'id' | 'chain' | 'seq' | 'prev_hash' | 'hash'>;

/** Where `verify` found a chain broken: the entry (null when entries are missing at the chain's end) and why. */
export interface AuditBreak {
  chain: string;
  seq: number;
  id: string | null;
  reason: 'hash' | 'link' | 'missing';
}

export interface AuditVerification {
  entries: number;
  ok: boolean;
  first_bad: AuditBreak | null;
}

/** Entries of a chain read at a time by `verify`. */
const WALK_PAGE = 1000;
/** After a failed write, the entries still queued are written again this soon. */
const RETRY_MS = 1000;
/** Prunes run this often at most (and at least every quarter of the retention). */
const PRUNE_EVERY_MS = 3_600_000;

interface Pending {
  entry: AuditEntry;
  done: { resolve: () => void; reject: (error: unknown) => void };
}

/**
 * The audit log of this instance: one hash chain (its id random per process, so two instances never share one),
 * entries appended in the order requests are answered. Entries are written by group commit: those of one turn of
 * the event loop (and those that arrive while a write is under way) go in one write, and each request waits for
 * its entry's write before its answer is sent. A write that fails leaves its entries queued, in chain order, for the
 * next write; the requests that waited on it are answered anyway (logged), so a database failing at that moment is
 * the one case where an answered request's entry may be lost by a crash.
 */
@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  /** This writer's chain: the host's name, hashed, and a random part. */
  readonly chain = `${createHash('sha256').update(hostname()).digest('hex').slice(0, 8)}${randomBytes(6).toString('hex')}`;
  private seq = 0;
  private lastHash = AUDIT_GENESIS;
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private scheduled = false;
  private retry?: NodeJS.Timeout;
  private pruner?: NodeJS.Timeout;

  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    private readonly settings: ServerSettings,
  ) {}

  get enabled(): boolean {
    return this.settings.auditEnabled;
  }

  onModuleInit(): void {
    const retention = this.settings.auditRetentionMs;
    if (retention === null) return;
    const every = Math.max(1000, Math.min(PRUNE_EVERY_MS, retention / 4));
    this.pruner = setInterval(() => void this.prune(), every);
    this.pruner.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.pruner);
    clearTimeout(this.retry);
    await this.flushAll();
  }

  /**
   * Chains an entry (its place is taken now, in call order) and resolves once it is stored, with the other entries
   * of its turn in one write.
   */
  record(draft: AuditDraft): Promise<void> {
    const seq = ++this.seq;
    const partial = { ...draft, id: auditEntryId(draft.at, this.chain, seq), chain: this.chain, seq, prev_hash: this.lastHash };
    const entry: AuditEntry = { ...partial, hash: auditHashOf(partial) };
    this.lastHash = entry.hash;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, done: { resolve, reject } });
      this.schedule();
    });
  }

  list(query: AuditQuery): Promise<AuditPage> {
    return this.store.listAuditEntries(query);
  }

  stream(filter: AuditFilter): AsyncIterable<AuditEntry> {
    return this.store.streamAuditEntries(filter);
  }

  /**
   * Walks every chain from where pruning left it to its head: each entry must follow its predecessor (next sequence
   * number, `prev_hash` its predecessor's hash) and hash to its `hash`; the chain must reach its head. Reports the
   * first break, chain by chain.
   */
  async verify(): Promise<AuditVerification> {
    let entries = 0;
    let firstBad: AuditBreak | null = null;
    for (const state of await this.store.auditChains()) {
      let seq = state.pruned?.seq ?? 0;
      let prev = state.pruned?.hash ?? AUDIT_GENESIS;
      let broken: AuditBreak | null = null;
      walk: while (seq < state.head.seq) {
        const page = await this.store.auditChainEntries(state.chain, seq, WALK_PAGE);
        if (page.length === 0) break;
        for (const entry of page) {
          if (entry.seq > state.head.seq) break walk;
          entries++;
          if (!broken) {
            if (entry.seq !== seq + 1) broken = { chain: state.chain, seq: seq + 1, id: entry.id, reason: 'missing' };
            else if (entry.prev_hash !== prev) broken = { chain: state.chain, seq: entry.seq, id: entry.id, reason: 'link' };
            else if (auditHashOf(entry) !== entry.hash) broken = { chain: state.chain, seq: entry.seq, id: entry.id, reason: 'hash' };
          }
          seq = entry.seq;
          prev = entry.hash;
        }
      }
      if (!broken && (seq < state.head.seq || prev !== state.head.hash)) {
        const short = seq < state.head.seq;
        broken = { chain: state.chain, seq: short ? seq + 1 : seq, id: null, reason: short ? 'missing' : 'link' };
      }
      firstBad ??= broken;
    }
    return { entries, ok: firstBad === null, first_bad: firstBad };
  }

  /** Removes the entries older than the retention; the count removed (0 without a retention). */
  async prune(now = new Date()): Promise<number> {
    const retention = this.settings.auditRetentionMs;
    if (retention === null) return 0;
    try {
      const removed = await this.store.pruneAuditEntries(new Date(now.getTime() - retention));
      if (removed > 0) this.logger.log(`pruned ${removed} audit entr${removed === 1 ? 'y' : 'ies'}`);
      return removed;
    } catch (error) {
      this.logger.warn(`pruning the audit log failed: ${String(error)}`);
      return 0;
    }
  }

  /** Writes what is queued on the next turn, once the write under way (if any) is done. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.writing) return; // the write under way takes what is queued when it ends
      this.writing = this.writeQueued().finally(() => (this.writing = null));
    });
  }

  /** Writes the queue in batches until it is empty or a write fails. */
  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.store.appendAuditEntries(batch.map((p) => p.entry));
      } catch (error) {
        // The chain stays whole: these entries go first in the next write.
        this.queue = [...batch, ...this.queue];
        for (const pending of batch) pending.done.reject(error);
        for (const pending of batch) pending.done = { resolve: () => undefined, reject: () => undefined };
        this.logger.error(`writing ${batch.length} audit entr${batch.length === 1 ? 'y' : 'ies'} failed; retrying: ${String(error)}`);
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.schedule(), RETRY_MS);
        this.retry.unref();
        return;
      }
      for (const pending of batch) pending.done.resolve();
    }
  }

  /** Waits until every entry chained so far is written (at shutdown). */
  private async flushAll(): Promise<void> {
    for (let attempt = 0; attempt < 3 && (this.queue.length > 0 || this.writing); attempt++) {
      await this.writing;
      if (this.queue.length > 0) {
        this.writing = this.writeQueued().finally(() => (this.writing = null));
        await this.writing;
      }
    }
  }
}
