import type { FactoryProvider } from '@nestjs/common';
import { GcJob } from '../maintenance/gc/gc.job';
import { ScrubJob } from '../maintenance/scrub/scrub.job';
import { JOB_HANDLERS, type JobHandler } from './job-handler';
import { PruneJob } from './prune.job';

/**
 * The registry of job handlers: every handler class of the server, listed once in `inject`. JobsModule also makes
 * each of them a provider, so a new job type needs only its class added here.
 */
export const jobHandlersProvider = {
  provide: JOB_HANDLERS,
  useFactory: (...handlers: JobHandler[]) => handlers,
  inject: [PruneJob, ScrubJob, GcJob],
} satisfies FactoryProvider;
