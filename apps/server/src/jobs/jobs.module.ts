import { Module } from '@nestjs/common';
import { QuarantineService } from '../blobs/quarantine.service';
import { ScheduleModule } from '@nestjs/schedule';
import { JobMetrics } from './job-metrics';
import { JobSchedules } from './job-schedules';
import { jobHandlersProvider } from './job-handlers.provider';
import { JobRunner } from './job-runner';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { RetentionController } from '../retention/retention.controller';
import { RetentionService } from '../retention/retention.service';

/** Maintenance: the jobs' routes, the runner that claims and runs them, every job type's handler, and the retention rules. */
@Module({
  imports: [ScheduleModule.forRoot()],
  controllers: [JobsController, RetentionController],
  // QuarantineService (stateless) is the scrub's way to take bad content out of service, as it is the readers'.
  providers: [
    ...jobHandlersProvider.inject,
    jobHandlersProvider,
    JobRunner,
    JobMetrics,
    JobsService,
    JobSchedules,
    RetentionService,
    QuarantineService,
  ],
  exports: [JobRunner],
})
export class JobsModule {}
