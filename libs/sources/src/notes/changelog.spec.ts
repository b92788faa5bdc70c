import { describe, expect, it } from 'vitest';
import type { Release } from '../model/release.ts';
import { changelogBetween, renderChangelog } from './changelog.ts';

function r(tag: string, notes = '', prerelease = false): Release {
  return {
    tag,
    version: tag.replace(/^v/, ''),
    published_at: null,
    prerelease,
    notes,
    assets: [],
    source: 'github',
  };
}

const releases = [
  r('v2.0.0', '## Breaking changes\n- dropped flag --x'),
  r('v2.0.0-rc.1', 'rc', true),
  r('v1.8.0', '* [CHANGE] renamed metric'),
  r('v1.7.1', 'fix'),
  r('v1.7.0', 'base'),
  r('latest', 'not a version'),
];

describe('changelogBetween', () => {
  it('lists releases after from up to to, oldest first, with breaking changes', () => {
    const log = changelogBetween(releases, '1.7.0', 'v2.0.0');
    expect(log.direction).toBe('upgrade');
    expect(log.entries.map((e) => e.tag)).toEqual(['v1.7.1', 'v1.8.0', 'v2.0.0']);
    expect(log.breaking_changes).toEqual([
      { version: '1.8.0', text: '[CHANGE] renamed metric' },
      { version: '2.0.0', text: 'dropped flag --x' },
    ]);
  });

  it('includes prereleases in between only when asked', () => {
    expect(
      changelogBetween(releases, '1.8.0', '2.0.0', { includePrereleases: true }).entries.map((e) => e.tag),
    ).toEqual(['v2.0.0-rc.1', 'v2.0.0']);
  });

  it('lists what a downgrade leaves behind', () => {
    const log = changelogBetween(releases, '1.8.0', '1.7.0');
    expect(log.direction).toBe('downgrade');
    expect(log.entries.map((e) => e.tag)).toEqual(['v1.7.1', 'v1.8.0']);
  });

  it('fails for a version that is not listed and renders Markdown', () => {
    expect(() => changelogBetween(releases, '1.7.0', '9.9.9')).toThrow(/no release 9.9.9/);
    const text = renderChangelog(changelogBetween(releases, '1.7.1', '1.8.0'), 'node_exporter');
    expect(text).toContain('# node_exporter 1.7.1 → 1.8.0');
    expect(text).toContain('- 1.8.0: [CHANGE] renamed metric');
  });
});
