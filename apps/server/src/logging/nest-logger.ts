import type { Logger as PinoRoot } from 'pino';
import { Logger, PinoLogger } from 'nestjs-pino';

/** Nest's start-up chatter (modules loaded, every route mapped): written at `debug`, not `info`. */
const START_UP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** Nest's logger on the process's pino logger (nestjs-pino), quiet about its own start-up at `info`. */
export class NestPinoLogger extends Logger {
  override log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    if (typeof context === 'string' && START_UP_CONTEXTS.has(context)) return super.debug(message, ...params);
    super.log(message, ...params);
  }
}

/** Nest's logger writing through `root`, bound to the current request's id where registerRequestLogging binds it. */
export function createNestLogger(root: PinoRoot): NestPinoLogger {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger: root } }), {});
}
