import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from './did-you-mean.ts';

const KEYS = [
  'strategy',
  'github_repo',
  'download',
  'install',
  'health_check',
  'version',
  'constraint',
  'constraints',
];

describe('closestName', () => {
  it.each([
    ['stratgy', 'strategy'],
    ['Strategy', 'strategy'],
    ['github-repo', 'github_repo'],
    ['downlaod', 'download'],
    ['healthcheck', 'health_check'],
    ['constrant', 'constraint'],
    ['constraintz', 'constraint'],
  ])('%s -> %s', (input, expected) => {
    expect(closestName(input, KEYS)).toBe(expected);
  });

  it.each(['colour', 'x', 'zzzzzzzz', ''])('suggests nothing for %j', (input) => {
    expect(closestName(input, KEYS)).toBeUndefined();
  });

  it('gives up on absurdly long input', () => {
    expect(closestName('s'.repeat(10_000), KEYS)).toBeUndefined();
  });

  it('words the suggestion', () => {
    expect(didYouMean('stratgy', KEYS)).toBe('; did you mean "strategy"?');
    expect(didYouMean('colour', KEYS)).toBe('');
  });
});
