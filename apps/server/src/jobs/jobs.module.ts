import { Module } from '@nestjs/common';
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
  providers: [...jobHandlersProvider.inject, jobHandlersProvider, JobRunner, JobMetrics, JobsService, JobSchedules, RetentionService],
  exports: [JobRunner],
})
export class JobsModule {}
