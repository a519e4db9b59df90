import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { ServerSettings } from './server-settings';

/**
 * Provides the validated {@link AppConfig} (validated once by the bootstrap) and the {@link ServerSettings} derived
 * from it to every module.
 */
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: ServerSettings, useValue: ServerSettings.from(config) },
      ],
      exports: [AppConfig, ServerSettings],
    };
  }
}
