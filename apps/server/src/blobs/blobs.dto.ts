import { ApiProperty } from '@nestjs/swagger';
import { LIMITS, MissingRequest, MissingResponse, PutBlobResponse } from '@app/contracts';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import { IsSha256, lowerDigest } from '../common/digest.decorators';

export class MissingRequestDto implements MissingRequest {
  @ApiProperty({ type: [String], minItems: 1, maxItems: LIMITS.missingMax, description: 'SHA-256 digests (hex)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.missingMax)
  @IsSha256({ each: true })
  @Transform(lowerDigest)
  sha256: string[];
}

export class MissingResponseDto implements MissingResponse {
  @ApiProperty({ type: [String], description: 'Digests the store lacks, in request order, each once' })
  missing: string[];
}

export class PutBlobResponseDto implements PutBlobResponse {
  @ApiProperty() sha256: string;
  @ApiProperty() size: number;
  @ApiProperty({ description: 'false when the content was already stored' }) created: boolean;
}
