import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditView } from './audit-view';

/** The audit log: the service every request's hook writes through, and its routes. */
@Module({ controllers: [AuditController], providers: [AuditService, AuditView], exports: [AuditService] })
export class AuditModule {}
