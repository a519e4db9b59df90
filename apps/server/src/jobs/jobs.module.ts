import { Module } from '@nestjs/common';
import { jobHandlersProvider } from './job-handlers.provider';
import { JobRunner } from './job-runner';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** Maintenance jobs: their routes, the runner that claims and runs them, and every job type's handler. */
@Module({
  controllers: [JobsController],
  providers: [...jobHandlersProvider.inject, jobHandlersProvider, JobRunner, JobsService],
  exports: [JobRunner],
})
export class JobsModule {}
