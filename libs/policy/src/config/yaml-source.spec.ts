import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { configInvalidError, formatIssue, formatPath } from './config-issue.ts';
import { readYaml } from './yaml-source.ts';

const TEXT = ['a:', '  b:', '    - x: 1', '      y: two', '  c:', 'd: 3', ''].join('\n');

describe('readYaml', () => {
  const source = readYaml(TEXT, 'f.yaml');

  it('turns mappings into plain objects', () => {
    expect(source.data).toEqual({ a: { b: [{ x: 1, y: 'two' }], c: null }, d: 3 });
    expect(Object.getPrototypeOf(source.data)).toBe(Object.prototype);
  });

  it('locates values and keys', () => {
    expect(source.locate(['a', 'b', 0, 'y'])).toEqual({ line: 4, column: 10 });
    expect(source.locate(['a', 'b', 0, 'y'], 'key')).toEqual({ line: 4, column: 7 });
    expect(source.locate(['d'])).toEqual({ line: 6, column: 4 });
  });

  it('points a key without value at the key', () => {
    expect(source.locate(['a', 'c'])).toEqual({ line: 5, column: 3 });
  });

  it('points a missing path at its deepest existing key', () => {
    expect(source.locate(['a', 'b', 0, 'missing'])).toEqual({ line: 3, column: 7 });
    expect(source.locate(['a', 'nope', 'deeper'])).toEqual({ line: 1, column: 1 });
  });

  it('builds located issues', () => {
    expect(source.located(['a', 'b', 0, 'x'], 'bad')).toEqual({
      path: 'a.b[0].x',
      message: 'bad',
      line: 3,
      column: 10,
    });
  });

  it('follows aliases when locating', () => {
    const aliased = readYaml('base: &b\n  k: 1\nuse: *b\n', 'f.yaml');
    expect(aliased.locate(['use', 'k'])).toEqual({ line: 2, column: 6 });
  });

  it('refuses keys that are not scalars', () => {
    try {
      readYaml('? {a: 1}\n: x\n', 'f.yaml');
    } catch (error) {
      if (!isUpkeepError(error)) throw error;
      expect(error.message).toContain('a key must be a plain name, not a mapping');
      return;
    }
    expect.unreachable();
  });

  it('reads scalar keys as strings', () => {
    expect(readYaml('1: a\ntrue: b\n', 'f.yaml').data).toEqual({ '1': 'a', true: 'b' });
  });
});

describe('issue formatting', () => {
  it('writes paths with indexes and quotes odd keys', () => {
    expect(formatPath(['components', 'node_exporter', 'lts_series', 0])).toBe(
      'components.node_exporter.lts_series[0]',
    );
    expect(formatPath(['components', 'my app'])).toBe('components["my app"]');
    expect(formatPath([])).toBe('');
  });

  it('puts the location first', () => {
    expect(formatIssue('v.yaml', { path: 'a', message: 'bad', line: 3, column: 4 })).toBe(
      'v.yaml:3:4 a: bad',
    );
    expect(formatIssue('v.yaml', { path: 'a', message: 'bad', line: 3 })).toBe('v.yaml:3 a: bad');
    expect(formatIssue('v.yaml', { path: '', message: 'is empty' })).toBe('v.yaml is empty');
  });

  it('orders issues by line, unlocated last', () => {
    const error = configInvalidError('v.yaml', [
      { path: 'z', message: 'no line' },
      { path: 'b', message: 'second', line: 9 },
      { path: 'a', message: 'first', line: 2 },
    ]);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      'v.yaml is not valid (3 problems):\n  v.yaml:2 a: first\n  v.yaml:9 b: second\n  v.yaml z: no line',
    );
  });
});
