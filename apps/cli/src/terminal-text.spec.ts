import { describe, expect, it } from 'vitest';
import { terminalSafe } from './terminal-text.ts';

describe('terminalSafe', () => {
  it('keeps text, tabs and newlines, and defuses escapes and bidi overrides', () => {
    expect(terminalSafe('## v1.0\r\n* fix\tthing')).toBe('## v1.0\n* fix\tthing');
    expect(terminalSafe('a\u001b[2Jb\u202ec\u0007')).toBe('a?[2Jb?c?');
    expect(terminalSafe('naïve — ok')).toBe('naïve — ok');
  });
});
