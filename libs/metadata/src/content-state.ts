import { EMPTY_SHA256 } from '@app/contracts';
import type { BlobEntry } from './metadata-types';

/**
 * What the registry says of a digest's content: `available` (stored and verified), `absent` (never stored, or a
 * takedown was lifted), `quarantined` (its stored copy was found bad; an upload heals it) or `taken_down` (refused
 * until an admin reinstates it). The empty content is never stored: it is available unless taken down.
 */
export type ContentState = 'available' | 'absent' | 'quarantined' | 'taken_down';

/** The parts of a registry entry that decide its state. */
export type RegistryFlags = Pick<BlobEntry, 'deleted_at' | 'quarantined_at'>;

/** The state of a digest's content from its registry entry (absent: not registered). */
export function contentState(sha256: string, entry: RegistryFlags | null | undefined): ContentState {
  if (entry?.deleted_at) return 'taken_down';
  if (sha256 === EMPTY_SHA256) return 'available';
  if (!entry) return 'absent';
  return entry.quarantined_at ? 'quarantined' : 'available';
}

/** True when the content can be served (see {@link contentState}). */
export function isContentAvailable(sha256: string, entry: RegistryFlags | null | undefined): boolean {
  return contentState(sha256, entry) === 'available';
}

/** True when a client that has the content should upload it: absent or quarantined, never when taken down. */
export function needsUpload(sha256: string, entry: RegistryFlags | null | undefined): boolean {
  const state = contentState(sha256, entry);
  return state === 'absent' || state === 'quarantined';
}
