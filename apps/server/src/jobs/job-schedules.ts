import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { HoardError } from '@app/contracts';
import { CronJob } from 'cron';
import { ServerSettings } from '../config/server-settings';
import { JobRunner } from './job-runner';
import { JobsService } from './jobs.service';

/** The variable that schedules each job type, as operators know it. */
const VARIABLE: Record<string, string> = { prune: 'HOARD_PRUNE_SCHEDULE', gc: 'HOARD_GC_SCHEDULE', scrub: 'HOARD_SCRUB_SCHEDULE' };

/**
 * Queues jobs on their cron schedules (`HOARD_PRUNE_SCHEDULE`, …; validated at boot), through @nestjs/schedule. Every
 * instance keeps the same schedule: at each tick one of them queues the job and the others are told one is already
 * queued or running, which is expected and only noted.
 */
@Injectable()
export class JobSchedules implements OnApplicationBootstrap {
  private readonly logger = new Logger('Schedules');

  constructor(
    private readonly settings: ServerSettings,
    private readonly jobs: JobsService,
    private readonly runner: JobRunner,
    private readonly registry: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    for (const [type, cron] of Object.entries(this.settings.jobSchedules)) {
      if (!this.runner.handler(type)) {
        this.logger.warn(`${VARIABLE[type]} is set, but this server runs no ${type} jobs: it is not scheduled`);
        continue;
      }
      const job = CronJob.from({ cronTime: cron, onTick: () => void this.queue(type), start: true });
      this.registry.addCronJob(`${type}-schedule`, job);
      this.logger.log(`${type} jobs scheduled (${cron}); next at ${job.nextDate().toISO()}`);
    }
  }

  /** Queues a job of `type` now; never throws (a schedule must keep ticking). */
  async queue(type: string): Promise<void> {
    try {
      const job = await this.jobs.create({ type: type as 'prune' | 'gc' | 'scrub' });
      this.logger.log(`scheduled ${type} job ${job.id} queued`);
    } catch (error) {
      if (error instanceof HoardError && error.code === 'conflict') {
        this.logger.log(`scheduled ${type} job not queued: job ${String(error.details?.job_id)} is queued or running`);
      } else {
        this.logger.warn(`scheduled ${type} job not queued: ${(error as Error).message}`);
      }
    }
  }
}
