import { describe, expect, it } from 'vitest';
import { parseVersion } from '@upkeep/versioning';
import { parseVersionDrift, withinDrift } from './version-drift.ts';

function within(version: string, reference: string, drift: string): boolean {
  return withinDrift(parseVersion(version), parseVersion(reference), parseVersionDrift(drift)).within;
}

describe('allowed_version_drift', () => {
  it('reads the level from the one non-zero part', () => {
    expect(parseVersionDrift('0.1.0')).toEqual({ text: '0.1.0', level: 'minor', amount: 1 });
    expect(parseVersionDrift('2.0.0')).toEqual({ text: '2.0.0', level: 'major', amount: 2 });
    expect(parseVersionDrift('0.0.3')).toEqual({ text: '0.0.3', level: 'patch', amount: 3 });
    expect(parseVersionDrift('0.0.0')).toEqual({ text: '0.0.0', level: 'exact', amount: 0 });
  });

  it.each(['0.1', '1.1.0', 'one', '-0.1.0', ''])('refuses %j', (text) => {
    expect(() => parseVersionDrift(text)).toThrow(/is not a drift/);
  });

  it('follows the seed: promtail may be one minor from loki, any patch', () => {
    expect(within('2.9.3', '2.9.1', '0.1.0')).toBe(true);
    expect(within('2.8.0', '2.9.1', '0.1.0')).toBe(true);
    expect(within('2.7.9', '2.9.1', '0.1.0')).toBe(false);
    expect(within('3.0.0', '2.9.1', '0.1.0')).toBe(false);
  });

  it('compares majors only at the major level', () => {
    expect(within('3.4.0', '2.0.0', '1.0.0')).toBe(true);
    expect(within('4.0.0', '2.9.0', '1.0.0')).toBe(false);
  });

  it('compares patches within one minor line at the patch level', () => {
    expect(within('2.9.3', '2.9.1', '0.0.2')).toBe(true);
    expect(within('2.9.4', '2.9.1', '0.0.2')).toBe(false);
    expect(within('2.10.1', '2.9.1', '0.0.2')).toBe(false);
  });

  it('needs the same version at 0.0.0', () => {
    expect(within('2.9.1', '2.9.1', '0.0.0')).toBe(true);
    expect(within('2.9.2', '2.9.1', '0.0.0')).toBe(false);
  });
});
