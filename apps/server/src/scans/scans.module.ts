import { Module } from '@nestjs/common';
import { ScanMetrics } from './scan-metrics';
import { ScanSweep } from './scan-sweep';
import { ScansController } from './scans.controller';
import { ScansService } from './scans.service';

/** Scan runs and hosts: the routes, the sweep that ends silent runs, and their metrics. */
@Module({ controllers: [ScansController], providers: [ScansService, ScanSweep, ScanMetrics] })
export class ScansModule {}
