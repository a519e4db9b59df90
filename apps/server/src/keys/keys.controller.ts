import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  CreatedKey,
  CreatedKeySchema,
  CreateKeyRequest,
  CreateKeyRequestSchema,
  KeyIdentity,
  KeyIdentitySchema,
  KeyIdParamsSchema,
  KeyInfo,
  KeyListSchema,
} from '@app/contracts';
import type { AuthedRequest } from '../auth/access-control';
import { KeysService } from '../auth/keys.service';
import { Endpoint } from '../common/endpoint.decorator';

const tag = 'keys';

@Controller('api/v1/keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Post()
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Mint a key; its secret is in this response only',
    body: CreateKeyRequestSchema,
    responses: { 201: { description: 'The new key with its secret', schema: CreatedKeySchema } },
  })
  async create(@Body() body: CreateKeyRequest): Promise<CreatedKey> {
    return this.keys.create({
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at,
      hostnames: body.hostnames,
      buckets: body.buckets,
    });
  }

  @Get()
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Every key, without secrets',
    responses: { 200: { description: 'Every key', schema: KeyListSchema } },
  })
  async list(): Promise<KeyInfo[]> {
    return this.keys.list();
  }

  @Get('me')
  @Endpoint({
    access: 'any',
    tag,
    summary: 'The calling key',
    responses: { 200: { description: 'The calling key', schema: KeyIdentitySchema } },
  })
  me(@Req() request: AuthedRequest): KeyIdentity {
    const key = request.apiKey!;
    return { id: key.id, name: key.name, scopes: key.scopes, hostnames: key.hostnames, buckets: key.buckets };
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Revoke a key (effective on the next request)',
    params: KeyIdParamsSchema,
    responses: { 204: { description: 'Revoked' } },
    errors: [404],
  })
  async revoke(@Param('id') id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}
