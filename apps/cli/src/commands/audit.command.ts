import type { AuditEntryInfo, AuditTargetInfo } from '@app/contracts';
import type { AuditFilters } from '@app/client';
import { Command, Option } from 'commander';
import { type CommandContext, commandContext, withClient } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes } from '../ui/format';
import { type Column, renderTable } from '../ui/table';
import { parseTime, positiveInt } from './option-parsers';

/** A target as one short word: the digest's first 12 characters, `host:path`, `bucket/key`, `key:id`. */
function targetText(target: AuditTargetInfo): string {
  if ('sha256' in target) return target.sha256.slice(0, 12);
  if ('filepath' in target) return `${target.hostname}:${target.filepath}`;
  if ('bucket' in target) return `${target.bucket}/${target.key}`;
  return `key:${target.key_id}`;
}

function targetsText(entry: AuditEntryInfo): string {
  if (entry.count === 0) return '-';
  const first = targetText(entry.targets[0]);
  return entry.count === 1 ? first : `${first} (+${entry.count - 1})`;
}

const COLUMNS: Column<AuditEntryInfo>[] = [
  { title: 'AT', value: (e) => e.at },
  { title: 'ACTION', value: (e) => e.action },
  { title: 'STATUS', value: (e) => String(e.status), align: 'right' },
  { title: 'KEY', value: (e) => (e.key_id ? `${e.key_name ?? ''} (${e.key_id})` : '-') },
  { title: 'IP', value: (e) => e.ip },
  { title: 'BYTES', value: (e) => formatBytes(e.bytes), align: 'right' },
  { title: 'TARGETS', value: targetsText },
];

interface AuditFlags {
  since?: Date;
  until?: Date;
  key?: string;
  action?: string;
  sha256?: string;
  hostname?: string;
  bucket?: string;
  limit?: number;
}

/** The API's filters of the command's flags. */
function filtersOf(flags: AuditFlags): AuditFilters {
  return {
    since: flags.since?.toISOString(),
    until: flags.until?.toISOString(),
    key_id: flags.key,
    action: flags.action,
    sha256: flags.sha256,
    hostname: flags.hostname,
    bucket: flags.bucket,
  };
}

/** A table of the newest `limit` entries, read a page at a time. */
async function printTable(ctx: CommandContext, filters: AuditFilters, limit: number): Promise<void> {
  await withClient(ctx, async (api) => {
    const rows: AuditEntryInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.listAudit({ ...filters, limit: Math.min(1000, limit - rows.length), cursor });
      rows.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined && rows.length < limit);
    ctx.out.print(renderTable(rows, COLUMNS));
  });
}

/** Every entry as one JSON line, streamed from the server's export as it arrives (at most `limit` when given). */
async function printLines(ctx: CommandContext, filters: AuditFilters, limit: number | undefined): Promise<void> {
  await withClient(ctx, async (api) => {
    let printed = 0;
    for await (const entry of api.exportAudit(filters)) {
      await ctx.out.streamLine(entry);
      if (limit !== undefined && ++printed >= limit) break;
    }
  });
}

/** `hoard audit [filters]`: who did what to which content (an admin key). */
export function auditCommand(): Command {
  return new Command('audit')
    .description('the audit log, newest first: who did what to which content (needs an admin key)')
    .addOption(new Option('--since <time>', 'entries at or after this time (ISO time or date)').argParser(parseTime))
    .addOption(new Option('--until <time>', 'entries before this time (ISO time or date)').argParser(parseTime))
    .addOption(new Option('--key <id>', 'entries of this key id'))
    .addOption(new Option('--action <name>', 'entries of this action (blob.put, files.record, key.create, auth.refused, ...)'))
    .addOption(new Option('--sha256 <digest>', 'entries naming this content'))
    .addOption(new Option('--hostname <host>', 'entries naming paths of this host'))
    .addOption(new Option('--bucket <bucket>', 'entries naming objects of this bucket'))
    .addOption(new Option('--limit <n>', 'at most this many entries (table: default 50; --json: every match)').argParser(positiveInt))
    .addOption(new Option('--json', 'every matching entry as one JSON line, streamed').env('HOARD_JSON'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const flags = cmd.opts<AuditFlags>();
        const filters = filtersOf(flags);
        if (ctx.out.json) await printLines(ctx, filters, flags.limit);
        else await printTable(ctx, filters, flags.limit ?? 50);
      }),
    );
}

/** `hoard admin audit verify`: walks every chain of the audit log; exit 1 when an entry was changed or removed. */
export function auditAdminCommand(): Command {
  const audit = new Command('audit').description('the audit log');
  audit
    .command('verify')
    .description("walk every writer's hash chain: exit 1 when an entry was changed, removed or reordered")
    .addOption(new Option('--json', 'the verdict as JSON').env('HOARD_JSON'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        return withClient(ctx, async (api) => {
          const verdict = await api.verifyAudit();
          ctx.out.result(verdict, () => {
            if (verdict.ok) return `audit log intact: ${verdict.entries} entries verified`;
            const bad = verdict.first_bad!;
            const where = bad.id ? `entry ${bad.id}` : `its end (entry ${bad.seq} and later)`;
            const why = { hash: 'changed', link: 'out of order or replaced', missing: 'entries removed' }[bad.reason];
            return `audit log TAMPERED: chain ${bad.chain} breaks at ${where}: ${why} (${verdict.entries} entries walked)`;
          });
          return verdict.ok ? EXIT.ok : EXIT.someFailed;
        });
      }),
    );
  return audit;
}
