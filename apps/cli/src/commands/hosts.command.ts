import type { Host, ScanRun } from '@app/contracts';
import { Command, Option } from 'commander';
import { commandContext, withClient } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { formatBytes } from '../ui/format';
import { type Column, renderTable } from '../ui/table';
import { positiveInt } from './option-parsers';

const HOST_COLUMNS: Column<Host>[] = [
  { title: 'HOST', value: (h) => h.hostname },
  { title: 'FILES', value: (h) => String(h.files), align: 'right' },
  { title: 'LOGICAL', value: (h) => formatBytes(h.logical_bytes), align: 'right' },
  { title: 'LAST SCAN', value: (h) => (h.last_scan ? `${h.last_scan.state} ${h.last_scan.ended_at ?? ''}`.trim() : '-') },
  { title: 'LAST SUCCESS', value: (h) => h.last_success_at ?? 'never' },
  { title: 'STALE', value: (h) => (h.stale ? 'STALE' : 'ok') },
];

const SCAN_COLUMNS: Column<ScanRun>[] = [
  { title: 'ID', value: (r) => r.id },
  { title: 'HOST', value: (r) => r.hostname },
  { title: 'STATE', value: (r) => (r.reason ? `${r.state} (${r.reason})` : r.state) },
  { title: 'STARTED', value: (r) => r.started_at },
  { title: 'ENDED', value: (r) => r.ended_at ?? '-' },
  { title: 'SEEN', value: (r) => String(r.files_seen), align: 'right' },
  { title: 'UPLOADED', value: (r) => `${r.files_uploaded} (${formatBytes(r.bytes_uploaded)})`, align: 'right' },
  { title: 'FAILED', value: (r) => String(r.files_failed), align: 'right' },
];

/** `hoard hosts`: every host, its last scan run and whether it is stale. */
export function hostsCommand(): Command {
  return new Command('hosts')
    .description('every host: files, last scan run, last success, staleness')
    .addOption(new Option('--json', 'one JSON object per host on stdout').env('HOARD_JSON'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        await withClient(ctx, async (api) => {
          const { items } = await api.listHosts();
          if (ctx.out.json) items.forEach((h) => ctx.out.line(h));
          else ctx.out.print(renderTable(items, HOST_COLUMNS));
        });
      }),
    );
}

/** `hoard scans [--hostname h]`: scan runs, newest first. */
export function scansCommand(): Command {
  return new Command('scans')
    .description('scan runs, newest first')
    .addOption(new Option('--hostname <host>', 'only the runs of this host'))
    .addOption(new Option('--limit <n>', 'at most this many runs').argParser(positiveInt).default(20))
    .addOption(new Option('--json', 'one JSON object per run on stdout').env('HOARD_JSON'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const flags = cmd.opts<{ hostname?: string; limit: number }>();
        await withClient(ctx, async (api) => {
          const { items } = await api.listScans({ hostname: flags.hostname, limit: Math.min(flags.limit, 1000) });
          if (ctx.out.json) items.forEach((r) => ctx.out.line(r));
          else ctx.out.print(renderTable(items, SCAN_COLUMNS));
        });
      }),
    );
}
