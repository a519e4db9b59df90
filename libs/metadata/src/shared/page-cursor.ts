import { HoardError } from '@app/contracts';

/** Encodes the id of the last item of a page as an opaque cursor (base64url). */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} and checks the id inside it with `isId`.
 * @throws HoardError `invalid_request` for anything else.
 */
export function decodeCursor(cursor: string, isId: (id: string) => boolean): string {
  const id = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!isId(id) || encodeCursor(id) !== cursor) {
    throw new HoardError('invalid_request', 'cursor is malformed: pass next_cursor from a previous page', {
      details: { field: 'cursor' },
    });
  }
  return id;
}
