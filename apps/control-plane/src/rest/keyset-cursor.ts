import { UpkeepError } from '@upkeep/errors';

/** Where a newest-first page on (time, id) stopped: the last row's time and id. */
export interface KeysetCursor {
  readonly at: Date;
  readonly id: string;
}

/** The opaque `nextCursor` every list endpoint returns (base64url of `{ at, id }`); `at` as a Date or ISO text. */
export function encodeKeysetCursor(cursor: { readonly at: Date | string; readonly id: string }): string {
  const at = new Date(cursor.at).toISOString();
  return Buffer.from(JSON.stringify({ at, id: cursor.id }), 'utf8').toString('base64url');
}

/** Reads a cursor this API returned; anything else is INPUT_INVALID naming it. */
export function decodeKeysetCursor(text: string): KeysetCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as {
      at?: unknown;
      id?: unknown;
    };
    if (typeof value.at === 'string' && typeof value.id === 'string' && !Number.isNaN(Date.parse(value.at))) {
      return { at: new Date(value.at), id: value.id };
    }
  } catch {
    // falls through to the error below
  }
  throw new UpkeepError('INPUT_INVALID', `cursor "${text}" is not one this API returned`, {
    hint: 'pass nextCursor from the previous page unchanged',
  });
}

/**
 * The Prisma `where` part of a newest-first page on (createdAt, id) after `cursor` (the text a
 * list endpoint returned, decoded here): nothing for the first page.
 */
export function createdBefore(
  cursor: string | undefined,
): { OR: [{ createdAt: { lt: Date } }, { createdAt: Date; id: { lt: string } }] } | Record<string, never> {
  if (cursor === undefined) return {};
  const after = decodeKeysetCursor(cursor);
  return { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] };
}
