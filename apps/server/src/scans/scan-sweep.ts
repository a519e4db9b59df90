import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ServerSettings } from '../config/server-settings';
import { ScansService } from './scans.service';

/** The sweep runs this often at most (a short timeout sweeps more often: a fifth of it). */
const MAX_INTERVAL_MS = 60_000;

/**
 * Ends silent scan runs on a timer, so that a host whose scan died shows as such (and in the metrics) even when no
 * one reads the runs. Every instance sweeps; the store's update is conditional, so they never conflict.
 */
@Injectable()
export class ScanSweep implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ScanSweep');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly scans: ScansService,
    private readonly settings: ServerSettings,
  ) {}

  onModuleInit(): void {
    const interval = Math.max(100, Math.min(MAX_INTERVAL_MS, Math.round(this.settings.scanTimeoutMs / 5)));
    this.timer = setInterval(() => void this.sweep(), interval);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass; a failure (the database away) is logged and the next pass tries again. */
  async sweep(now = new Date()): Promise<number> {
    try {
      const ended = await this.scans.interruptSilent(now);
      if (ended > 0) this.logger.log(`${ended} silent scan run(s) ended as interrupted`);
      return ended;
    } catch (error) {
      this.logger.warn(`scan sweep failed: ${String(error)}`);
      return 0;
    }
  }
}
