import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CreateKeyRequest, LIMITS, Scope, SCOPES } from '@app/contracts';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class CreateKeyDto implements CreateKeyRequest {
  @ApiProperty({ maxLength: LIMITS.keyNameMax })
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.keyNameMax)
  name: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(3) @IsIn(SCOPES, { each: true })
  scopes: Scope[];

  @ApiPropertyOptional({ description: 'ISO-8601 time after which the key is refused' })
  @IsOptional() @IsISO8601({ strict: true })
  expires_at?: string;
}
