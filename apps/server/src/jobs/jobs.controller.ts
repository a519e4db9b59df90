import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  CreateJobRequest,
  CreateJobRequestSchema,
  Job,
  JobIdParamsSchema,
  JobPageSchema,
  JobSchema,
  ListJobsQuery,
  ListJobsQuerySchema,
  Page,
} from '@app/contracts';
import { Endpoint } from '../common/endpoint.decorator';
import { JobsService } from './jobs.service';

const tag = 'maintenance';

@Controller('api/v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(202)
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Queue a maintenance job (prune, gc, scrub); one of a type at a time across every instance',
    body: CreateJobRequestSchema,
    responses: { 202: { description: 'The job, queued', schema: JobSchema } },
    errors: [409],
  })
  async create(@Body() body: CreateJobRequest): Promise<Job> {
    return this.jobs.create(body);
  }

  @Get()
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Jobs, newest first, filtered by type and state',
    querystring: ListJobsQuerySchema,
    responses: { 200: { description: 'A page of jobs', schema: JobPageSchema } },
  })
  async list(@Query() query: ListJobsQuery): Promise<Page<Job>> {
    return this.jobs.list(query);
  }

  @Get(':id')
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'One job: its state, progress, result or error',
    params: JobIdParamsSchema,
    responses: { 200: { description: 'The job', schema: JobSchema } },
    errors: [404],
  })
  async get(@Param('id') id: string): Promise<Job> {
    return this.jobs.get(id);
  }

  @Delete(':id')
  @HttpCode(202)
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Cancel a job: a queued one at once, a running one at its next safe point',
    params: JobIdParamsSchema,
    responses: { 202: { description: 'The job, cancelled or asked to stop', schema: JobSchema } },
    errors: [404, 409],
  })
  async cancel(@Param('id') id: string): Promise<Job> {
    return this.jobs.cancel(id);
  }
}
