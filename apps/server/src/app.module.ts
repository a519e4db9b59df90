import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AccessTokensService } from './auth/access-tokens.service';
import { AdminBootstrapService } from './auth/admin-bootstrap.service';
import { KeysService } from './auth/keys.service';
import { BlobsController } from './blobs/blobs.controller';
import { BlobsService } from './blobs/blobs.service';
import { PackUploadService } from './blobs/pack-upload.service';
import { QuarantineService } from './blobs/quarantine.service';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { CompatController } from './compat/compat.controller';
import { LoginController } from './compat/login.controller';
import { DocsController } from './docs/docs.controller';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { TenantGate } from './content/tenant-gate';
import { FileRecordsMapper } from './content/file-records.mapper';
import { FilesController } from './files/files.controller';
import { FilesService } from './files/files.service';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { JobsModule } from './jobs/jobs.module';
import { ScansModule } from './scans/scans.module';
import { AuditModule } from './audit/audit.module';
import { KeysController } from './keys/keys.controller';
import { MetricsModule } from './metrics/metrics.module';
import { StatsController } from './stats/stats.controller';
import { StatsService } from './stats/stats.service';
import { GivenStores, StoresModule } from './stores/stores.module';
import { ContentIntakeService } from './blobs/content-intake.service';
import { ObjectsController } from './objects/objects.controller';
import { ObjectsService } from './objects/objects.service';
import { UploadsController } from './uploads/uploads.controller';
import { UploadsService } from './uploads/uploads.service';

/** The whole server, built from a validated config (on `stores` instead of the configured ones, when given). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, stores?: GivenStores): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        StoresModule.forRoot(stores),
        MetricsModule,
        TerminusModule.forRoot({ logger: false }),
        JobsModule,
        ScansModule,
        AuditModule,
      ],
      controllers: [
        DocsController,
        HealthController,
        BlobsController,
        FilesController,
        KeysController,
        StatsController,
        CompatController,
        LoginController,
        ObjectsController,
        UploadsController,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        KeysService,
        AccessTokensService,
        AdminBootstrapService,
        BlobsService,
        PackUploadService,
        QuarantineService,
        FilesService,
        FileRecordsMapper,
        TenantGate,
        StatsService,
        HealthService,
        ContentIntakeService,
        ObjectsService,
        UploadsService,
      ],
    };
  }
}
