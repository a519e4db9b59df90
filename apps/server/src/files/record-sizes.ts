import { EMPTY_SHA256, type Sha256 } from '@app/contracts';
import type { BlobEntry, FileToRecord } from '@app/metadata';
import { type FieldError, fieldsFailed } from '../common/validation-errors';

/**
 * Refuses records whose `size` is not the size of their content, where that size is known: the content is
 * registered (it was stored and verified once; taken down or quarantined since changes nothing of its size), or it
 * is the empty content. `field` names a record's size field (`size`, or `files.3.size` in a batch).
 * @throws HoardError validation_failed naming each bad field
 */
export function checkRecordSizes(files: FileToRecord[], known: Map<Sha256, BlobEntry>, field: (index: number) => string): void {
  const bad: FieldError[] = [];
  files.forEach((f, index) => {
    const size = f.sha256 === EMPTY_SHA256 ? 0 : known.get(f.sha256)?.size;
    if (size === undefined || f.size === size) return;
    const name = field(index);
    bad.push({ field: name, errors: [`${name} must be ${size}: the content of this digest is ${size} bytes long`] });
  });
  if (bad.length > 0) throw fieldsFailed(bad);
}
