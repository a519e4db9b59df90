import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CreatedKey, HoardError, KeyIdentity, KeyInfo } from '@app/contracts';
import type { AuthedRequest } from '../auth/api-key.guard';
import { KeysService } from '../auth/keys.service';
import { RequireScope } from '../auth/scopes.decorator';
import { CreateKeyDto } from './keys.dto';

@ApiTags('keys')
@ApiSecurity('api-key')
@Controller('api/v1/keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Post()
  @RequireScope('admin')
  @ApiOperation({ summary: 'Mint a key; its secret is in this response only' })
  async create(@Body() body: CreateKeyDto): Promise<CreatedKey> {
    return createKey(this.keys, body);
  }

  @Get()
  @RequireScope('admin')
  @ApiOperation({ summary: 'Every key, without secrets' })
  async list(): Promise<KeyInfo[]> {
    return this.keys.list();
  }

  @Get('me')
  @RequireScope('any')
  @ApiOperation({ summary: 'The calling key' })
  me(@Req() request: AuthedRequest): KeyIdentity {
    const key = request.apiKey!;
    return { id: key.id, name: key.name, scopes: key.scopes };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Revoke a key (effective on the next request)' })
  async revoke(@Param('id') id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}

/** Shared by the API and the PutPlace routes. */
export async function createKey(keys: KeysService, body: CreateKeyDto): Promise<CreatedKey> {
  let expiresAt: Date | null = null;
  if (body.expires_at) {
    expiresAt = new Date(body.expires_at);
    if (expiresAt.getTime() <= Date.now()) {
      throw new HoardError('validation_failed', 'expires_at must be in the future', {
        details: { fields: [{ field: 'expires_at', errors: ['expires_at must be in the future'] }] },
      });
    }
  }
  return keys.create({ name: body.name, scopes: body.scopes, expiresAt });
}
