import pino, { DestinationStream, Logger } from 'pino';

/** Headers and fields that carry keys, passwords or tokens: replaced wherever a log line would hold them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'password',
  '*.password',
  'access_token',
  '*.access_token',
];

/**
 * The one logger of the process: JSON lines with an ISO time and the level's name, keys and tokens redacted. Nest's
 * logs, Fastify's own and the request log are all its children, so every line has the same shape.
 * @param level HOARD_LOG_LEVEL (`silent` writes nothing)
 * @param destination where lines go (stdout by default)
 */
export function createRootLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
