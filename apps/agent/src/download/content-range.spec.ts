import { describe, expect, it } from 'vitest';
import { parseContentRange } from './content-range.service.ts';

describe('parseContentRange', () => {
  it('reads start, end and total', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ start: 100, end: 199, total: 1000 });
    expect(parseContentRange('bytes 0-0/*')).toEqual({ start: 0, end: 0, total: null });
  });
  it.each([
    null,
    '',
    'bytes */1000',
    'bytes 200-100/1000',
    'bytes 0-1000/1000',
    'items 0-1/2',
    'bytes -1-2/3',
  ])('refuses %j', (header) => {
    expect(parseContentRange(header)).toBeNull();
  });
});
