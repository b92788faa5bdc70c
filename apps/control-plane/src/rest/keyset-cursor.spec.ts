import { describe, expect, it } from 'vitest';
import { UpkeepError } from '@upkeep/errors';
import { createdBefore, decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor.ts';

describe('keyset cursor', () => {
  it('round-trips a time given as a Date or as ISO text', () => {
    const at = new Date('2026-03-01T12:00:00.123Z');
    const id = '4a7c3f0e-8a1b-4a52-9d57-1f0c6f1a2b3c';
    expect(decodeKeysetCursor(encodeKeysetCursor({ at, id }))).toEqual({ at, id });
    expect(encodeKeysetCursor({ at: at.toISOString(), id })).toBe(encodeKeysetCursor({ at, id }));
  });

  it.each(['not-base64-json', Buffer.from('{"at":"yesterday","id":"x"}').toString('base64url'), ''])(
    'refuses %j, naming it',
    (text) => {
      expect(() => decodeKeysetCursor(text)).toThrow(UpkeepError);
      expect(() => decodeKeysetCursor(text)).toThrow(`cursor "${text}" is not one this API returned`);
    },
  );

  it('turns a cursor into the rows strictly older than it, ties broken by id; no cursor, no condition', () => {
    const at = new Date('2026-03-01T12:00:00.123Z');
    expect(createdBefore(undefined)).toEqual({});
    expect(createdBefore(encodeKeysetCursor({ at, id: 'b' }))).toEqual({
      OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: 'b' } }],
    });
    expect(() => createdBefore('garbage')).toThrow('cursor "garbage" is not one this API returned');
  });
});
