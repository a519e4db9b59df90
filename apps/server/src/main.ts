import './threadpool';
import 'reflect-metadata';
import multipart from '@fastify/multipart';
import { ConsoleLogger, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LogController } from 'fastify';
import { AppModule } from './app.module';
import { answerFrameworkError } from './common/framework-errors';
import { AJV_OPTIONS } from './common/json-schemas';
import { createValidationPipe } from './common/validation.pipe';
import { registerRawBodyParsers } from './common/raw-body';
import { registerRequestHooks } from './common/request-hooks';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { MetricsService } from './metrics/metrics.service';
import { SERVER_VERSION } from './version';

const NEST_LEVELS: Record<string, LogLevel[]> = {
  trace: ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'],
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
  fatal: ['fatal'],
  silent: [],
};

/** Builds the Nest application on Fastify, ready to listen. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: { level: config.HOARD_LOG_LEVEL },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.HOARD_MAX_JSON_BYTES,
    exposeHeadRoutes: false,
    // Longer than any URL Node accepts: an over-long digest or id reaches its route and is answered there.
    routerOptions: { maxParamLength: 65_536 },
    frameworkErrors: answerFrameworkError,
    // Uploads of large blobs may take long; the socket-level timeouts guard against idle clients instead.
    requestTimeout: 0,
    connectionTimeout: 0,
    return503OnClosing: true,
    ajv: { customOptions: AJV_OPTIONS },
  });
  registerRawBodyParsers(adapter.getInstance());
  const logger = new ConsoleLogger({ json: true, logLevels: NEST_LEVELS[config.HOARD_LOG_LEVEL] });
  // Fastify's own JSON parser is the only body parser: Nest's would also parse url-encoded forms on JSON routes.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger, bodyParser: false });
  await app.register(multipart as never, {
    limits: { fileSize: config.HOARD_MAX_BLOB_BYTES, files: 1, fields: 20, parts: 21 },
  });
  app.useGlobalPipes(createValidationPipe());
  registerRequestHooks(adapter.getInstance(), app.get(MetricsService));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Hoard')
      .setDescription('Content-addressable, deduplicating file store')
      .setVersion(SERVER_VERSION)
      .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  return app;
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hoard: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const app = await createApp(config);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    new Logger('Shutdown').log(`${signal}: no longer accepting requests; letting in-flight requests finish`);
    setTimeout(() => {
      process.stderr.write(`hoard: shutdown took longer than ${config.HOARD_SHUTDOWN_TIMEOUT_MS} ms; exiting\n`);
      process.exit(1);
    }, config.HOARD_SHUTDOWN_TIMEOUT_MS).unref();
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.PORT, host: config.HOST });
  app.getHttpAdapter().getInstance().log.info(`hoard ${SERVER_VERSION} listening on http://${config.HOST}:${config.PORT} (data dir ${config.dataDir})`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`hoard: could not start: ${err.message}\n`);
    process.exit(1);
  });
}
