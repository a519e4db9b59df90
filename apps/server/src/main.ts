import './threadpool';
import './stream-buffers';
import 'reflect-metadata';
import multipart from '@fastify/multipart';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyError, FastifyReply, FastifyRequest, LogController } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { AppModule } from './app.module';
import { registerAuditHooks } from './audit/audit-hooks';
import { AuditService } from './audit/audit.service';
import { registerAccessControl } from './auth/access-control';
import { AdminBootstrapService } from './auth/admin-bootstrap.service';
import { KeysService } from './auth/keys.service';
import { registerRateLimit } from './auth/rate-limit';
import { UploadLimiter } from './auth/upload-limiter';
import { registerBodyAliases } from './common/body-aliases';
import { clientErrorHandler } from './common/client-errors';
import { answerFrameworkError } from './common/framework-errors';
import { registerJsonBodyParser } from './common/json-body.parser';
import { registerLoadShedding } from './common/load-shedding';
import { registerRawBodyParsers } from './common/raw-body';
import { registerRequestHooks } from './common/request-hooks';
import { RouteTable } from './common/route-table';
import { validatorCompiler } from './common/schema-validator';
import { AppConfig } from './config/app-config';
import { builtConsoleDir, registerConsole } from './console/console-site';
import { ConfigError, loadConfig } from './config/load-config';
import { registerOpenApi } from './docs/openapi';
import { createHttpLogger } from './logging/http-logger';
import { createNestLogger } from './logging/nest-logger';
import { makeDataDir } from './stores/data-dir';
import { lockDataDir } from './stores/data-dir-lock';
import { requestIdOf } from './logging/request-id';
import { registerRequestLogging, startRequestLog } from './logging/request-logging';
import { createRootLogger } from './logging/root-logger';
import type { GivenStores } from './stores/stores.module';
import { MetricsService } from './metrics/metrics.service';
import { SERVER_VERSION } from './version';

/** Node's HTTP server checks its header deadline this often (its default, 30 s, would let a slow client sit). */
const TIMEOUT_CHECK_MS = 1000;

/**
 * The Fastify instance under Nest: the process's logger (every request logged first of all, with its id), limits,
 * timeouts, and the error shape for what goes wrong before any route.
 */
function createAdapter(config: AppConfig, root: PinoLogger): FastifyAdapter {
  const httpLogger = createHttpLogger(root);
  const options = {
    loggerInstance: root,
    genReqId: requestIdOf,
    // The request's line is pino-http's; Fastify's own request lines would say it twice.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: config.HOARD_MAX_JSON_BYTES,
    exposeHeadRoutes: false,
    // Longer than any URL Node accepts: an over-long digest or id reaches its route and is answered there.
    routerOptions: { maxParamLength: 65_536 },
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      startRequestLog(httpLogger, request, reply);
      answerFrameworkError(error, request, reply);
    },
    clientErrorHandler: clientErrorHandler(root),
    // An idle socket (no byte either way) is closed; an upload that keeps sending may take as long as it needs.
    connectionTimeout: config.HOARD_IDLE_TIMEOUT_SECONDS * 1000,
    keepAliveTimeout: config.HOARD_IDLE_TIMEOUT_SECONDS * 1000,
    requestTimeout: 0,
    http: { headersTimeout: config.HOARD_HEADERS_TIMEOUT_SECONDS * 1000, connectionsCheckingInterval: TIMEOUT_CHECK_MS },
    return503OnClosing: true,
  };
  const adapter = new FastifyAdapter(options as never) as FastifyAdapter;
  const fastify = adapter.getInstance();
  registerRequestLogging(fastify, httpLogger, config.HOARD_LOG_REQUEST_CONTEXT);
  fastify.setValidatorCompiler(validatorCompiler);
  // Answers are not filtered through their schema: the e2e specs check them against /openapi.json instead.
  fastify.setSerializerCompiler(() => (data: unknown) => JSON.stringify(data));
  registerJsonBodyParser(fastify, { maxBytes: config.HOARD_MAX_JSON_BYTES, deadlineMs: config.HOARD_JSON_TIMEOUT_SECONDS * 1000 });
  registerRawBodyParsers(fastify);
  registerBodyAliases(fastify);
  return adapter;
}

/** Builds the Nest application on Fastify, ready to listen (on `stores` instead of the configured ones, when given). */
export async function createApp(config: AppConfig, stores?: GivenStores): Promise<NestFastifyApplication> {
  const root = createRootLogger(config.HOARD_LOG_LEVEL);
  const adapter = createAdapter(config, root);
  const fastify = adapter.getInstance();
  const routes = new RouteTable(fastify);
  const logger = createNestLogger(root);
  // Fastify's parsers are the only body parsers: Nest's would also parse url-encoded forms on JSON routes.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, stores), adapter, { logger, bodyParser: false });
  // The order of the hooks that run before a body is read, once the request's log has started (createAdapter): shed load,
  // check the key, limit its rate, cap uploads.
  await registerOpenApi(app, SERVER_VERSION);
  await registerConsole(app, config.HOARD_CONSOLE_DIR ?? builtConsoleDir());
  await registerLoadShedding(app, { maxEventLoopDelayMs: config.HOARD_MAX_EVENT_LOOP_DELAY_MS, maxHeapBytes: config.HOARD_MAX_HEAP_BYTES });
  registerAccessControl(fastify, app.get(KeysService), routes);
  if (config.HOARD_RATE_LIMIT > 0) await registerRateLimit(app, config.HOARD_RATE_LIMIT, config.HOARD_RATE_LIMIT_WINDOW_SECONDS);
  new UploadLimiter({ global: config.HOARD_MAX_UPLOADS, perKey: config.HOARD_MAX_UPLOADS_PER_KEY }).register(fastify);
  await app.register(multipart as never, { limits: { fileSize: config.HOARD_MAX_BLOB_BYTES, files: 1, fields: 20, parts: 21 } });
  registerRequestHooks(fastify, app.get(MetricsService));
  registerAuditHooks(fastify, app.get(AuditService));
  return app;
}

/** Held for the life of the process: released once the app is closed (or by the process's end, however it ends). */
let dataDirLock: { release(): void } | null = null;

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
  if (config.HOARD_METADATA === 'sqlite') {
    // One process owns SQLite metadata (see lockDataDir): a second server on the directory stops here, touching nothing.
    makeDataDir(config.dataDir);
    dataDirLock = lockDataDir(config.dataDir);
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
    dataDirLock?.release();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.PORT, host: config.HOST });
  const log = app.getHttpAdapter().getInstance().log;
  log.info(`hoard ${SERVER_VERSION} listening on http://${config.HOST}:${config.PORT} (data dir ${config.dataDir})`);
  const keyFile = app.get(AdminBootstrapService).createdKeyFile;
  if (keyFile) log.info({ admin_key_file: keyFile }, `no API key existed: the first admin key is in ${keyFile} (mode 0600)`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`hoard: could not start: ${err.message}\n`);
    process.exit(1);
  });
}
