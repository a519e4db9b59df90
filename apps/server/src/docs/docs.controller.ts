import { Controller, Get } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Endpoint } from '../common/endpoint.decorator';

@Controller()
export class DocsController {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  @Get('openapi.json')
  @Endpoint({
    access: 'public',
    tag: 'docs',
    summary: 'This document (OpenAPI 3.1); the UI is at /docs',
    responses: { 200: { description: 'The OpenAPI document', schema: Type.Object({ openapi: Type.String(), paths: Type.Object({}) }) } },
  })
  document(): unknown {
    return (this.adapterHost.httpAdapter.getInstance() as FastifyInstance).swagger();
  }
}
