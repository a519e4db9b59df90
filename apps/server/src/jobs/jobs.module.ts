import { Module } from '@nestjs/common';
import { QuarantineService } from '../blobs/quarantine.service';
import { jobHandlersProvider } from './job-handlers.provider';
import { JobRunner } from './job-runner';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** Maintenance jobs: their routes, the runner that claims and runs them, and every job type's handler. */
@Module({
  controllers: [JobsController],
  // QuarantineService (stateless) is the scrub's way to take bad content out of service, as it is the readers'.
  providers: [...jobHandlersProvider.inject, jobHandlersProvider, JobRunner, JobsService, QuarantineService],
  exports: [JobRunner],
})
export class JobsModule {}
