/** How numbers, sizes, times and modes read for a person. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB"; bytes under 1 KiB as they are. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** 12345 → "12,345". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

const STEPS: Array<[number, Intl.RelativeTimeFormatUnit]> = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [30, 'day'],
  [12, 'month'],
  [Infinity, 'year'],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** An ISO time (or Unix seconds) relative to `now`: "3 minutes ago", "in 2 days". */
export function relativeTime(time: string | number, now = Date.now()): string {
  const ms = typeof time === 'number' ? time * 1000 : Date.parse(time);
  let value = (ms - now) / 1000;
  for (const [size, unit] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return relative.format(Math.round(value), 'year');
}

/** The exact time, for a tooltip beside a relative one. */
export function exactTime(time: string | number): string {
  const ms = typeof time === 'number' ? time * 1000 : Date.parse(time);
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** 0o100644 → "-rw-r--r-- (644)". */
export function fileMode(mode: number | null | undefined): string {
  if (mode === null || mode === undefined) return '—';
  const kind = (mode & 0o170000) === 0o040000 ? 'd' : (mode & 0o170000) === 0o120000 ? 'l' : '-';
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  return `${kind}${bits} (${(mode & 0o7777).toString(8).padStart(3, '0')})`;
}

/** The dedup ratio as the dashboard shows it: "2.50×". */
export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** The last segment of a path or key. */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || trimmed;
}
