import { describe, expect, it } from 'vitest';
import { classifyChange, compareRisk, maxRisk, releaseDistance, riskAtMost } from './risk.ts';
import { parseVersion } from './version.ts';

const v = (text: string) => parseVersion(text);
const change = (from: string, to: string) => classifyChange(v(from), v(to));

describe('classifyChange', () => {
  it('a patch is low risk', () => {
    expect(change('1.7.0', '1.7.3')).toMatchObject({ direction: 'upgrade', kind: 'patch', risk: 'low' });
  });

  it('a minor is medium risk', () => {
    const result = change('1.7.0', '1.8.0');
    expect(result).toMatchObject({ kind: 'minor', risk: 'medium' });
    expect(result.reasons).toEqual(['minor version changes (1.7 -> 1.8)']);
  });

  it('a major is high risk', () => {
    expect(change('1.9.0', '2.0.0')).toMatchObject({ kind: 'major', risk: 'high' });
  });

  it('a minor in 0.x is high risk and says why', () => {
    const result = change('0.5.0', '0.6.0');
    expect(result).toMatchObject({ kind: 'minor', risk: 'high' });
    expect(result.reasons[0]).toContain('0.x makes no compatibility promise');
  });

  it('a patch in 0.x is low, in 0.0.x high', () => {
    expect(change('0.5.0', '0.5.1').risk).toBe('low');
    expect(change('0.0.1', '0.0.2').risk).toBe('high');
  });

  it('0.x to 1.0 is a major', () => {
    expect(change('0.9.0', '1.0.0')).toMatchObject({ kind: 'major', risk: 'high' });
  });

  it('a downgrade keeps the size of the move and says it is a downgrade', () => {
    const result = change('1.8.0', '1.7.0');
    expect(result).toMatchObject({ direction: 'downgrade', kind: 'minor', risk: 'medium' });
    expect(result.reasons).toContain('this is a downgrade');
    expect(change('2.0.0', '1.9.0')).toMatchObject({ direction: 'downgrade', kind: 'major', risk: 'high' });
  });

  it('a prerelease target is at least medium', () => {
    const result = change('1.7.0', '1.7.1-rc.1');
    expect(result).toMatchObject({ kind: 'patch', risk: 'medium' });
    expect(result.reasons).toContain('target 1.7.1-rc.1 is a prerelease');
    expect(change('1.7.0', '2.0.0-rc.1').risk).toBe('high');
  });

  it('moving between prereleases of one version is a prerelease change', () => {
    expect(change('1.8.0-rc.1', '1.8.0-rc.2')).toMatchObject({ kind: 'prerelease', risk: 'medium' });
    expect(change('1.8.0-rc.2', '1.8.0')).toMatchObject({ kind: 'prerelease', risk: 'low' });
  });

  it('the same version (build metadata aside) is no change', () => {
    expect(change('v1.7.0', '1.7.0+build.2')).toMatchObject({
      direction: 'same',
      kind: 'none',
      risk: 'low',
      reasons: ['same version'],
    });
  });

  it('reports normalised texts', () => {
    expect(change('v1.7.0', 'v1.7.1')).toMatchObject({ from: '1.7.0', to: '1.7.1' });
  });
});

describe('risk helpers', () => {
  it('orders low < medium < high', () => {
    expect(maxRisk('low', 'high')).toBe('high');
    expect(maxRisk('medium', 'low')).toBe('medium');
    expect(riskAtMost('medium', 'medium')).toBe(true);
    expect(riskAtMost('high', 'medium')).toBe(false);
    expect(compareRisk('low', 'medium')).toBeLessThan(0);
  });
});

describe('releaseDistance', () => {
  const known = [
    '1.5.0',
    '1.6.0',
    '1.6.1',
    'v1.6.1',
    '1.7.0',
    '1.8.0-rc.1',
    '1.8.0',
    '2.0.0',
    '2.1.0',
    '3.0.0',
  ].map(v);

  it('counts releases strictly between, duplicates once', () => {
    expect(releaseDistance(v('1.5.0'), v('1.7.0'), known)).toEqual({
      releasesSkipped: 2,
      majorsCrossed: 0,
      minorsCrossed: 2,
    });
  });

  it('is symmetric for a downgrade', () => {
    expect(releaseDistance(v('1.7.0'), v('1.5.0'), known)).toEqual(
      releaseDistance(v('1.5.0'), v('1.7.0'), known),
    );
  });

  it('counts minor lines reached across majors', () => {
    expect(releaseDistance(v('1.7.0'), v('3.0.0'), known)).toEqual({
      releasesSkipped: 4,
      majorsCrossed: 2,
      minorsCrossed: 4,
    });
  });

  it('counts at least one minor line across a major when the list is empty', () => {
    expect(releaseDistance(v('1.9.0'), v('2.0.0'), [])).toEqual({
      releasesSkipped: 0,
      majorsCrossed: 1,
      minorsCrossed: 1,
    });
  });

  it('is zero for the same version', () => {
    expect(releaseDistance(v('1.6.1'), v('1.6.1'), known)).toEqual({
      releasesSkipped: 0,
      majorsCrossed: 0,
      minorsCrossed: 0,
    });
  });
});
