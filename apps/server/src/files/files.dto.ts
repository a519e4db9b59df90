import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BatchRequest, DeletedRequest, FILE_TYPES, FileMetadata, FileType, LIMITS, ListFilesQuery, SeenRequest, SeenResponse } from '@app/contracts';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsSha256, lowerDigest } from '../common/digest.decorators';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** What a host says about one file (FileMetadata of API.md). */
export class FileMetadataDto implements FileMetadata {
  @ApiProperty({ maxLength: LIMITS.filepathMax, description: 'Absolute path on the host' })
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.filepathMax)
  filepath: string;

  @ApiProperty({ maxLength: LIMITS.hostnameMax })
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.hostnameMax)
  hostname: string;

  @ApiProperty({ description: 'SHA-256 of the content (hex)' })
  @IsSha256() @Transform(lowerDigest)
  sha256: string;

  @ApiProperty({ minimum: 0 })
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER)
  size: number;

  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) mode?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) uid?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) gid?: number;
  @ApiPropertyOptional({ description: 'Unix seconds' }) @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) mtime?: number;
  @ApiPropertyOptional({ description: 'Unix seconds' }) @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) atime?: number;
  @ApiPropertyOptional({ description: 'Unix seconds' }) @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) ctime?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) ip_address?: string;

  @ApiPropertyOptional({ enum: FILE_TYPES, default: 'file', description: 'a symlink has no content: the empty digest, size 0' })
  @IsOptional() @IsIn(FILE_TYPES)
  type?: FileType;

  @ApiPropertyOptional({ maxLength: LIMITS.filepathMax, description: 'where a symlink points (symlinks only)' })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(LIMITS.filepathMax)
  link_target?: string;
}

export class BatchRequestDto implements BatchRequest {
  @ApiProperty({ type: [FileMetadataDto], minItems: 1, maxItems: LIMITS.batchMax })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(LIMITS.batchMax)
  @ValidateNested({ each: true }) @Type(() => FileMetadataDto)
  files: FileMetadataDto[];
}

export class DeletedRequestDto implements DeletedRequest {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(LIMITS.hostnameMax)
  hostname: string;

  @ApiProperty({ type: [String], maxItems: LIMITS.deletedMax })
  @IsArray() @ArrayMaxSize(LIMITS.deletedMax)
  @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(LIMITS.filepathMax, { each: true })
  filepaths: string[];
}

export class SeenRequestDto implements SeenRequest {
  @ApiProperty({ maxLength: LIMITS.hostnameMax }) hostname: string;
  @ApiProperty({ type: [String], minItems: 1, maxItems: LIMITS.batchMax, description: 'record ids from earlier batches' })
  ids: string[];
}

export class SeenResponseDto implements SeenResponse {
  @ApiProperty() seen: number;
  @ApiProperty({ type: [String], description: 'not a current record on that host: record these files again' })
  stale: string[];
  @ApiProperty({ type: [String], description: 'confirmed, but the content is not stored: upload it' })
  upload_required: string[];
}

export class ListFilesQueryDto implements ListFilesQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(LIMITS.hostnameMax) hostname?: string;
  @ApiPropertyOptional({ description: 'a directory or a file: /a/b matches /a/b and /a/b/..., not /a/bc' })
  @IsOptional() @IsString() @MaxLength(LIMITS.filepathMax)
  path_prefix?: string;

  @ApiPropertyOptional() @IsOptional() @IsSha256() @Transform(lowerDigest) sha256?: string;

  @ApiPropertyOptional({ description: 'ISO time: the records as they were then (the version current at that time)' })
  @IsOptional() @IsISO8601({ strict: true })
  at?: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional() @Transform(toBool) @IsBoolean()
  include_deleted?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: LIMITS.listLimitMax, default: LIMITS.listLimitDefault })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(LIMITS.listLimitMax)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;
}

export class PathQueryDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(LIMITS.hostnameMax) hostname: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(LIMITS.filepathMax) filepath: string;
}

export class PrefixQueryDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(LIMITS.hostnameMax) hostname: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(LIMITS.filepathMax) path_prefix: string;
}
