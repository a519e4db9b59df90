import { HoardError } from '@app/contracts';

/** SQLite result codes that mean "the database cannot serve now" rather than a bug or bad input. */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|NOTADB|CORRUPT|PROTOCOL)/;

/** Rethrows database-level failures as `HoardError('unavailable')`; other errors pass through unchanged. */
export function mapSqliteError(error: unknown): never {
  if (error instanceof HoardError) throw error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) {
    throw new HoardError('unavailable', `metadata database unavailable: ${code}`, { cause: error });
  }
  throw error;
}
