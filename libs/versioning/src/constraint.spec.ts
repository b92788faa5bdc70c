import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { MAX_CONSTRAINT_LENGTH, isValidConstraint, parseConstraint, satisfies } from './constraint.ts';
import { parseVersion } from './version.ts';

function allows(constraint: string, version: string, includePrerelease = false): boolean {
  return satisfies(parseVersion(version), parseConstraint(constraint), { includePrerelease });
}

function constraintError(input: string): { message: string; hint: string | undefined } {
  try {
    parseConstraint(input, 'components.x.constraint');
  } catch (error) {
    if (!isUpkeepError(error)) throw error;
    expect(error.code).toBe('INVALID_CONSTRAINT');
    return { message: error.message, hint: error.hint };
  }
  return expect.unreachable(`${input} should be refused`);
}

describe('parseConstraint and satisfies', () => {
  it.each([
    ['>=1.7.0 <2.0.0', '1.7.0', true],
    ['>=1.7.0 <2.0.0', '1.9.9', true],
    ['>=1.7.0 <2.0.0', '2.0.0', false],
    ['>=1.7.0 <2.0.0', '1.6.9', false],
    ['^1.7', '1.7.0', true],
    ['^1.7', '1.99.3', true],
    ['^1.7', '2.0.0', false],
    ['^1.7', '1.6.0', false],
    ['^0.3', '0.3.9', true],
    ['^0.3', '0.4.0', false],
    ['~2.9', '2.9.3', true],
    ['~2.9', '2.10.0', false],
    ['1.x', '1.0.0', true],
    ['1.x', '1.200.0', true],
    ['1.x', '2.0.0', false],
    ['^1.7 || ^3.0', '2.5.0', false],
    ['^1.7 || ^3.0', '3.1.0', true],
    ['^1.7 || ^3.0', '1.8.0', true],
    ['1.7.0 - 2.0.0', '2.0.0', true],
    ['=1.7.0', 'v1.7.0', true],
    ['*', '123.4.5', true],
  ])('%s with %s -> %s', (constraint, version, expected) => {
    expect(allows(constraint, version)).toBe(expected);
  });

  it('keeps the trimmed raw text', () => {
    expect(parseConstraint('  ^1.7  ').raw).toBe('^1.7');
  });

  it('matches prereleases only when asked', () => {
    expect(allows('>=1.7.0 <2.0.0', '1.8.0-rc.1')).toBe(false);
    expect(allows('>=1.7.0 <2.0.0', '1.8.0-rc.1', true)).toBe(true);
    // npm semantics: a prerelease named in the range is allowed on its own tuple.
    expect(allows('>=1.8.0-rc.0 <2.0.0', '1.8.0-rc.1')).toBe(true);
  });

  it.each([
    '',
    '   ',
    'foo',
    'latest',
    '>=',
    '<=>1',
    '^^1',
    '1.2.3.4',
    '>=1.7.0 garbage',
    '||',
    '>1 ||',
    '|| <2',
  ])('refuses %j with INVALID_CONSTRAINT naming it', (input) => {
    const { message } = constraintError(input);
    expect(message).toContain(`components.x.constraint ${JSON.stringify(input)}`);
    expect(isValidConstraint(input)).toBe(false);
  });

  it('says why a stray || is refused (semver would read it as "any version")', () => {
    expect(constraintError('^1.7 ||').message).toContain('one side of "||" is empty');
  });

  it('hints at spaces when bounds are separated by a comma', () => {
    expect(constraintError('>=1.7.0,<2.0.0').hint).toContain('not a comma');
  });

  it('refuses an over-long constraint and shortens it in the message', () => {
    const { message } = constraintError(`>=1.0.0 ${'<2.0.0 '.repeat(MAX_CONSTRAINT_LENGTH)}`);
    expect(message).toContain('longer than');
    expect(message.length).toBeLessThan(200);
  });

  it('accepts valid constraints', () => {
    expect(isValidConstraint('^1.7 || ^2.0')).toBe(true);
  });
});
