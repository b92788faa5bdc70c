import { describe, expect, it } from 'vitest';
import { findFlagUse, flagsIn, normalizeFlag } from './command-line-flags.ts';

describe('command-line flags', () => {
  it('finds the --flags a sentence names', () => {
    expect(flagsIn('Removed deprecated --collector.diskstats flag')).toEqual(['--collector.diskstats']);
    expect(flagsIn('Renamed `--a.b` to `--a.c`.')).toEqual(['--a.b', '--a.c']);
    expect(flagsIn('Use --collector.diskstats.ignored-devices instead.')).toEqual([
      '--collector.diskstats.ignored-devices',
    ]);
    expect(flagsIn('x--y and -- alone')).toEqual([]);
  });

  it('normalizes a flag written without dashes', () => {
    expect(normalizeFlag('collector.diskstats')).toBe('--collector.diskstats');
    expect(normalizeFlag('-collector.diskstats')).toBe('--collector.diskstats');
    expect(normalizeFlag('--collector.diskstats')).toBe('--collector.diskstats');
  });

  it('matches the exact flag or flag=value only', () => {
    const args = [
      '--web.listen-address=:9100',
      '--collector.diskstats.ignored-devices=^ram',
      '--collector.systemd',
    ];
    expect(findFlagUse(args, '--web.listen-address')).toBe('--web.listen-address=:9100');
    expect(findFlagUse(args, '--collector.systemd')).toBe('--collector.systemd');
    expect(findFlagUse(args, '--collector.diskstats')).toBeUndefined();
    expect(findFlagUse(args, '--web.listen')).toBeUndefined();
  });
});
