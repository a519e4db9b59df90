import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { HoardError, type Job, type JobState, type JobType, type RetentionRuleInput } from '@app/contracts';
import type { HoardClient } from '@app/client';
import { FINAL_STATES, outcomeText, progressText, watchJob } from '../core/admin/job-watch';
import { type CommandContext, commandContext, withClient } from '../io/command-context';
import { runAction } from '../ui/error-printer';
import { EXIT } from '../ui/exit-codes';
import { formatBytes } from '../ui/format';
import { LiveStatus } from '../ui/live-status';
import { renderTable } from '../ui/table';
import { auditAdminCommand } from './audit.command';
import { positiveInt } from './option-parsers';

/** `hoard admin`: retention rules, maintenance jobs (prune, gc, scrub) and their list, with an admin key. */
export function adminCommand(): Command {
  const admin = new Command('admin').description('retention rules, maintenance jobs and the audit log (needs an admin key)');
  admin.addCommand(retentionCommand());
  admin.addCommand(
    jobCommand('prune', 'remove the file versions no retention rule keeps').addOption(
      new Option('--max-records-per-second <n>', 'pace the prune (spares a busy database)').argParser(positiveInt),
    ),
  );
  admin.addCommand(jobCommand('gc', 'remove stored content that no record references'));
  admin.addCommand(
    jobCommand('scrub', 'read and hash every stored blob, quarantining what is corrupt or missing').addOption(
      new Option('--max-bytes-per-second <n>', 'limit the read rate').argParser(positiveInt),
    ),
  );
  admin.addCommand(jobsCommand());
  admin.addCommand(auditAdminCommand());
  return admin;
}

function retentionCommand(): Command {
  const retention = new Command('retention').description('the retention rules that prune follows');
  retention
    .command('get')
    .description('print the rules as JSON, to edit and "set" back')
    .addOption(new Option('--json', 'on one line').env('HOARD_JSON'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        await withClient(ctx, async (api) => printRules(ctx, await api.getRetention()));
      }),
    );
  retention
    .command('set')
    .description('replace every rule with those of a JSON file: {"rules": [...]} or the list alone')
    .argument('<file.json>', 'the rules ("-": standard input)')
    .addOption(new Option('--json', 'the rules now in force, on one line').env('HOARD_JSON'))
    .action((file: string, _o: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const rules = await readRules(file);
        await withClient(ctx, async (api) => {
          const set = await api.setRetention(rules);
          ctx.out.note(`${set.rules.length} retention rule${set.rules.length === 1 ? '' : 's'} set.`);
          printRules(ctx, set);
        });
      }),
    );
  return retention;
}

function printRules(ctx: CommandContext, rules: { rules: unknown[] }): void {
  if (ctx.out.json) ctx.out.line(rules);
  else ctx.out.print(JSON.stringify(rules, null, 2));
}

async function readRules(file: string): Promise<RetentionRuleInput[]> {
  const text = await readFile(file === '-' ? '/dev/stdin' : file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HoardError('invalid_request', `${file} is not JSON: ${(error as Error).message}`);
  }
  const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) throw new HoardError('invalid_request', `${file} must hold {"rules": [...]} or a list of rules`);
  return rules as RetentionRuleInput[];
}

interface JobFlags {
  dryRun?: boolean;
  wait?: boolean;
  maxRecordsPerSecond?: number;
  maxBytesPerSecond?: number;
}

function jobCommand(type: JobType, description: string): Command {
  return new Command(type)
    .description(`${description}: queue a ${type} job`)
    .addOption(new Option('--dry-run', 'count and report, change nothing'))
    .addOption(new Option('--wait', 'show its progress until it ends; exit 1 if it failed or was cancelled'))
    .addOption(new Option('--json', 'the job as JSON on stdout (when it ends, with --wait)').env('HOARD_JSON'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const flags = cmd.opts<JobFlags>();
        const options: Record<string, unknown> = {};
        if (flags.maxRecordsPerSecond !== undefined) options.max_records_per_second = flags.maxRecordsPerSecond;
        if (flags.maxBytesPerSecond !== undefined) options.max_bytes_per_second = flags.maxBytesPerSecond;
        return withClient(ctx, async (api) => {
          const job = await queue(api, type, Boolean(flags.dryRun), options);
          if (!flags.wait) {
            ctx.out.result(job, () => `${type} job ${job.id} queued${job.dry_run ? ' (dry run)' : ''}; "hoard admin jobs" shows it`);
            return EXIT.ok;
          }
          const ended = await waitWithStatus(ctx, api, job);
          const outcome = outcomeText(ended);
          ctx.out.result(
            ended,
            () => `${type} job ${ended.id} ${ended.state}${ended.dry_run ? ' (dry run)' : ''}${outcome ? `: ${outcome}` : ''}`,
          );
          return ended.state === 'succeeded' ? EXIT.ok : EXIT.someFailed;
        });
      }),
    );
}

async function queue(api: HoardClient, type: JobType, dryRun: boolean, options: Record<string, unknown>): Promise<Job> {
  try {
    return await api.createJob({ type, dry_run: dryRun, ...options });
  } catch (error) {
    if (error instanceof HoardError && error.code === 'conflict') {
      const id = String(error.details?.job_id ?? '?');
      throw new HoardError('conflict', `a ${type} job is already queued or running (job ${id}); "hoard admin jobs" shows it`, {
        details: error.details,
      });
    }
    throw error;
  }
}

/** Follows a job to its end with a live line on stderr. */
async function waitWithStatus(ctx: CommandContext, api: HoardClient, job: Job): Promise<Job> {
  let last = job;
  const status = new LiveStatus(() => `${last.type} job ${last.id}: ${last.state}, ${progressText(last, formatBytes)}`, process.stderr, {
    quiet: ctx.quiet,
  });
  status.start();
  try {
    return await watchJob(api, job.id, (seen) => (last = seen));
  } finally {
    status.stop();
  }
}

function jobsCommand(): Command {
  return new Command('jobs')
    .description('maintenance jobs, newest first')
    .addOption(new Option('--type <type>', 'prune, gc or scrub').choices(['prune', 'gc', 'scrub']))
    .addOption(
      new Option('--state <state>', 'queued, running, succeeded, failed or cancelled').choices(['queued', 'running', ...FINAL_STATES]),
    )
    .addOption(new Option('--limit <n>', 'at most this many (default 20)').argParser(positiveInt).default(20))
    .addOption(new Option('--json', 'one JSON object per job on stdout').env('HOARD_JSON'))
    .action((_o: unknown, cmd: Command) =>
      runAction(async () => {
        const ctx = commandContext(cmd);
        const flags = cmd.opts<{ type?: JobType; state?: JobState; limit: number }>();
        await withClient(ctx, async (api) => {
          const items: Job[] = [];
          let cursor: string | undefined;
          do {
            const page = await api.listJobs({
              type: flags.type,
              state: flags.state,
              limit: Math.min(flags.limit - items.length, 1000),
              cursor,
            });
            items.push(...page.items);
            cursor = page.next_cursor ?? undefined;
          } while (cursor && items.length < flags.limit);
          if (ctx.out.json) items.forEach((job) => ctx.out.line(job));
          else ctx.out.print(renderTable(items, JOB_COLUMNS));
        });
      }),
    );
}

const JOB_COLUMNS = [
  { title: 'ID', value: (j: Job) => j.id },
  { title: 'TYPE', value: (j: Job) => j.type },
  { title: 'STATE', value: (j: Job) => `${j.state}${j.cancel_requested && j.state === 'running' ? ' (cancelling)' : ''}` },
  { title: 'DRY RUN', value: (j: Job) => (j.dry_run ? 'yes' : '') },
  { title: 'PROGRESS', value: (j: Job) => progressText(j, formatBytes) },
  { title: 'CREATED', value: (j: Job) => j.created_at },
  { title: 'ENDED', value: (j: Job) => j.ended_at ?? '' },
  { title: 'OUTCOME', value: (j: Job) => outcomeText(j) },
];
