import { FileRecord } from '@app/contracts';
import { Column } from '../ui/table';
import { formatBytes } from '../ui/format';

/** Columns for tables of file records. */
export const RECORD_COLUMNS: Column<FileRecord>[] = [
  { title: 'HOST', value: (r) => r.hostname },
  { title: 'VER', value: (r) => String(r.version), align: 'right' },
  { title: 'SIZE', value: (r) => formatBytes(r.size), align: 'right' },
  { title: 'SHA256', value: (r) => r.sha256.slice(0, 16) },
  { title: 'MTIME', value: (r) => (r.mtime !== undefined && r.mtime !== null ? new Date(r.mtime * 1000).toISOString().slice(0, 19) : '') },
  { title: 'STATE', value: (r) => (r.deleted_at ? 'deleted' : r.content_available ? '' : 'no content') },
  { title: 'PATH', value: (r) => r.filepath },
];
