import { describe, expect, it } from 'vitest';
import { splitCommandLine } from './split-command-line.ts';

describe('splitCommandLine', () => {
  it.each([
    [
      '/usr/local/bin/node_exporter --collector.diskstats',
      ['/usr/local/bin/node_exporter', '--collector.diskstats'],
    ],
    ['  a   b\tc\n', ['a', 'b', 'c']],
    [`--path='/var/lib/my data' --x="a \\"b\\" c"`, ['--path=/var/lib/my data', '--x=a "b" c']],
    ['a \\\n  b', ['a', 'b']],
    ['a\\ b', ['a b']],
    [`''`, ['']],
    ['', []],
  ])('splits %j', (text, expected) => {
    expect(splitCommandLine(text)).toEqual(expected);
  });

  it('handles systemd escapes, in and out of quotes', () => {
    expect(splitCommandLine('a\\ b "c\\"d" \'e f\' \\x41')).toEqual(['a b', 'c"d', 'e f', 'A']);
    expect(splitCommandLine('a ""')).toEqual(['a', '']);
  });

  it('refuses an unbalanced quote', () => {
    expect(() => splitCommandLine('a "b')).toThrow(/unbalanced/);
  });

  it('refuses an unterminated quote, naming it', () => {
    expect(() => splitCommandLine(`--a='x`)).toThrow(/unterminated ' quote/);
  });
});
