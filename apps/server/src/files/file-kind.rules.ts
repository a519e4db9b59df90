import { EMPTY_SHA256, FileMetadata, HoardError } from '@app/contracts';
import type { FieldError } from '../common/validation.pipe';

/** At most this many problems are named; the count says how many there were. */
const MAX_NAMED = 20;

/**
 * The rules that tie a record's `type` to its other fields: a symlink names its target and has no content (the
 * empty content's digest, size 0); a file has no link target. Checked before anything is recorded.
 * @param list the body field holding the records (`files`), so that each problem names its index
 * @throws HoardError validation_failed naming each bad field (`files.3.link_target`)
 */
export function assertFileKinds(files: FileMetadata[], list?: string): void {
  const problems: FieldError[] = [];
  files.forEach((f, index) => {
    const bad = (name: string, text: string) => {
      const field = list === undefined ? name : `${list}.${index}.${name}`;
      problems.push({ field, errors: [`${field} ${text}`] });
    };
    if ((f.type ?? 'file') === 'symlink') {
      if (f.link_target === undefined) bad('link_target', 'is required for a symlink');
      if (f.sha256.toLowerCase() !== EMPTY_SHA256) bad('sha256', 'must be the digest of the empty content for a symlink');
      if (f.size !== 0) bad('size', 'must be 0 for a symlink');
    } else if (f.link_target !== undefined) {
      bad('link_target', 'is allowed only for a symlink');
    }
  });
  if (problems.length === 0) return;
  const fields = problems.slice(0, MAX_NAMED);
  throw new HoardError('validation_failed', fields.slice(0, 5).map((p) => p.errors[0]).join('; '), {
    details: problems.length > MAX_NAMED ? { fields, more: problems.length - MAX_NAMED } : { fields },
  });
}
