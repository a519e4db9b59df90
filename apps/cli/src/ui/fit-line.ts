/** A part of a status line: its text, a shorter one for narrow terminals, and how much it matters (1 most). */
export interface Segment {
  full: string;
  short?: string;
  priority: number;
}

const SEPARATOR = ' · ';

/**
 * Lays segments out on one line of at most `width` columns, in their order. From the least important level up, the
 * segments of a level take their shorter texts, and those of levels 3 and beyond are dropped if that was not enough;
 * then level 2, then the last segments of level 1. Only a line of one segment that still does not fit is cut.
 */
export function fitLine(segments: Segment[], width: number): string {
  let parts = segments.filter((s) => s.full !== '').map((s) => ({ ...s, text: s.full }));
  const fits = () => parts.reduce((n, p) => n + p.text.length, 0) + SEPARATOR.length * Math.max(0, parts.length - 1) <= width;
  const levels = [...new Set(parts.map((p) => p.priority))].sort((a, b) => b - a);
  const drop = (level: number) => {
    const kept = parts.filter((p) => p.priority !== level);
    if (kept.length > 0) parts = kept;
  };
  for (const level of levels) {
    if (fits()) break;
    for (const part of parts) if (part.priority === level && part.short !== undefined) part.text = part.short;
    if (!fits() && level >= 3) drop(level);
  }
  for (const level of levels.filter((l) => l < 3)) if (!fits()) drop(level);
  while (!fits() && parts.length > 1) parts.pop();
  const line = parts.map((p) => p.text).join(SEPARATOR);
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}
