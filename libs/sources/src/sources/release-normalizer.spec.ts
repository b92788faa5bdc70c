import { describe, expect, it } from 'vitest';
import {
  decodeReleaseBatch,
  encodeReleaseBatch,
  normalizeReleases,
  unsafeTagReason,
} from './release-normalizer.ts';

const raw = (tag: string, extra: Partial<{ prerelease: boolean; published_at: string | null }> = {}) => ({
  tag,
  published_at: extra.published_at ?? null,
  prerelease: extra.prerelease ?? false,
  notes: '',
  assets: [],
});

describe('normalizeReleases', () => {
  it('reads versions under the tag rules and flags prereleases by version text', () => {
    const batch = normalizeReleases(
      [raw('helm-loki-5.0.0'), raw('v3.0.0'), raw('v3.1.0-rc.1'), raw('weekly-k123')],
      {
        source: 'github',
        tagRules: { tagPrefix: 'helm-loki-' },
      },
    );
    expect(batch.releases.map((r) => [r.tag, r.version, r.prerelease])).toEqual([
      ['helm-loki-5.0.0', '5.0.0', false],
      ['v3.0.0', null, false],
      ['v3.1.0-rc.1', null, false],
      ['weekly-k123', null, false],
    ]);
    const plain = normalizeReleases([raw('v3.1.0-rc.1')], { source: 'gitlab' });
    expect(plain.releases[0]).toMatchObject({ version: '3.1.0-rc.1', prerelease: true });
  });

  it('normalises dates and drops unreadable ones', () => {
    const batch = normalizeReleases(
      [raw('v1.0.0', { published_at: '2024-05-01T10:00:00+02:00' }), raw('v0.9.0', { published_at: 'soon' })],
      {
        source: 'github',
      },
    );
    expect(batch.releases.map((r) => r.published_at)).toEqual(['2024-05-01T08:00:00.000Z', null]);
  });

  it('drops assets with unusable URLs', () => {
    const batch = normalizeReleases(
      [
        {
          ...raw('v1.0.0'),
          assets: [
            { name: 'a', url: 'javascript:alert(1)', size: 1 },
            { name: 'b', url: 'relative/b', size: 1 },
          ],
        },
      ],
      { source: 'registry' },
    );
    expect(batch.releases[0]?.assets).toEqual([]);
    expect(batch.warnings).toHaveLength(2);
  });

  it.each([
    'a..b',
    'a b',
    'x~1',
    'x^1',
    'x:1',
    'x?',
    'x*',
    'x[',
    'x\\y',
    'x@{1}',
    'x.lock',
    'x/',
    '/x',
    'x.',
    '-x',
    '',
  ])('refuses the git-invalid tag %j', (tag) => {
    expect(unsafeTagReason(tag)).toBeDefined();
  });

  it('round-trips a batch through the cache encoding and refuses foreign bodies', () => {
    const batch = normalizeReleases([raw('v1.0.0')], { source: 'github' });
    expect(decodeReleaseBatch(encodeReleaseBatch(batch))).toEqual(batch);
    expect(() => decodeReleaseBatch('{"releases":[{"tag":1}],"warnings":[]}')).toThrow(/expected format/);
  });
});
