/** A parsed `Content-Range: bytes start-end/total` header (`total` null for `*`). */
export interface ContentRange {
  readonly start: number;
  readonly end: number;
  readonly total: number | null;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

export function parseContentRange(header: string | null): ContentRange | null {
  if (header === null) return null;
  const match = CONTENT_RANGE.exec(header.trim());
  if (match === null) return null;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const total = match[3] === '*' ? null : Number(match[3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return null;
  if (total !== null && (!Number.isSafeInteger(total) || end >= total)) return null;
  return { start, end, total };
}
