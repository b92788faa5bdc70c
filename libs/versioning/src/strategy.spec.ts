import { describe, expect, it } from 'vitest';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import {
  STRATEGIES,
  isStrategyName,
  readCandidates,
  resolveVersion,
  type ReleaseInput,
  type ResolveInput,
} from './strategy.ts';

const NODE_EXPORTER: ReleaseInput[] = [
  { version: 'v1.8.0-rc.0', published_at: '2024-04-01T00:00:00Z', prerelease: true },
  { version: 'v1.7.0', published_at: '2023-11-13T00:00:00Z' },
  { version: 'v1.6.1', published_at: '2023-06-20T00:00:00Z' },
  { version: 'v1.6.0', published_at: '2023-05-27T00:00:00Z' },
  { version: 'v1.5.0', published_at: '2022-11-29T00:00:00Z' },
  { version: 'v1.4.0', published_at: '2022-09-24T00:00:00Z' },
  { version: 'latest' },
];

// Prometheus-like: two LTS lines plus newer non-LTS minors.
const PROMETHEUS: ReleaseInput[] = [
  '3.7.0',
  '3.6.1',
  '3.5.2',
  '3.5.1',
  '3.5.0',
  '3.4.0',
  '2.55.0',
  '2.54.1',
  '2.53.5',
  '2.53.4',
  '2.52.0',
].map((version) => ({ version: `v${version}` }));

function resolve(input: Partial<ResolveInput>) {
  return resolveVersion({ strategy: 'latest', releases: NODE_EXPORTER, ...input });
}

function resolveError(input: Partial<ResolveInput>): UpkeepError {
  try {
    resolve(input);
  } catch (error) {
    if (isUpkeepError(error)) return error;
    throw error;
  }
  return expect.unreachable('expected an UpkeepError');
}

describe('readCandidates', () => {
  it('keeps versions newest first and lists skipped tags with reasons', () => {
    const { candidates, skippedTags } = readCandidates([
      { version: 'v1.0.0' },
      { version: 'weekly-k123' },
      { version: 'v2.0.0' },
      { version: 'helm-loki-5.0.0' },
    ]);
    expect(candidates.map((c) => c.version.text)).toEqual(['2.0.0', '1.0.0']);
    expect(skippedTags.map((s) => s.tag)).toEqual(['weekly-k123', 'helm-loki-5.0.0']);
  });

  it('treats tags differing only by v or build metadata as one release, first listed wins', () => {
    const { candidates, skippedTags } = readCandidates([
      { version: 'v1.7.0', published_at: 'first' },
      { version: '1.7.0', published_at: 'second' },
      { version: '1.7.0+build.2', published_at: 'third' },
    ]);
    expect(candidates).toHaveLength(1);
    expect(candidates[0]?.publishedAt).toBe('first');
    expect(skippedTags).toEqual([
      { tag: '1.7.0', reason: 'duplicate of v1.7.0' },
      { tag: '1.7.0+build.2', reason: 'duplicate of v1.7.0' },
    ]);
  });

  it('marks a release prerelease when upstream flags it, even with a plain version', () => {
    const { candidates } = readCandidates([{ version: '2.0.0', prerelease: true }]);
    expect(candidates[0]?.prerelease).toBe(true);
  });

  it('throws CONFIG_INVALID for a broken version_pattern instead of skipping every tag', () => {
    expect(() => readCandidates([{ version: 'v1.0.0' }], { versionPattern: '(' })).toThrow(
      /version_pattern "\(" is not a valid regular expression/,
    );
  });
});

describe('resolveVersion: latest', () => {
  it('picks the newest stable release and explains the prerelease it passed over', () => {
    const result = resolve({});
    expect(result).toMatchObject({
      version: '1.7.0',
      tag: 'v1.7.0',
      strategy: 'latest',
      source: 'strategy',
      publishedAt: '2023-11-13T00:00:00Z',
      prerelease: false,
    });
    expect(result.passedOver).toEqual([
      { version: '1.8.0-rc.0', reason: 'prerelease (exclude_prereleases is on)' },
    ]);
    expect(result.skippedTags).toEqual([
      { tag: 'latest', reason: '"latest" is not a semantic version (expected 1.2.3 or v1.2.3)' },
    ]);
    expect(result.explanation).toContain('selected 1.7.0: the newest release');
  });

  it('takes a prerelease when exclude_prereleases is off', () => {
    expect(resolve({ excludePrereleases: false })).toMatchObject({ version: '1.8.0-rc.0', prerelease: true });
  });

  it('shows the reason an excluded version was passed over', () => {
    const result = resolve({
      excludedVersions: [{ version: '1.7.0', reason: 'Known memory leak' }],
    });
    expect(result.version).toBe('1.6.1');
    expect(result.passedOver).toEqual([
      { version: '1.8.0-rc.0', reason: 'prerelease (exclude_prereleases is on)' },
      { version: '1.7.0', reason: 'excluded: Known memory leak' },
    ]);
  });

  it('excludes a version whatever its v prefix or build metadata', () => {
    const result = resolveVersion({
      strategy: 'latest',
      releases: [{ version: 'v1.7.0+linux' }, { version: 'v1.6.0' }],
      excludedVersions: [{ version: 'v1.7.0', reason: 'bad' }],
    });
    expect(result.version).toBe('1.6.0');
  });

  it('applies version_pattern and tag prefix', () => {
    const result = resolveVersion({
      strategy: 'latest',
      releases: [{ version: 'helm-loki-6.0.0' }, { version: 'v3.0.0' }, { version: 'helm-loki-5.9.0' }],
      tagRules: { tagPrefix: 'helm-loki-' },
    });
    expect(result).toMatchObject({ version: '6.0.0', tag: 'helm-loki-6.0.0' });
    expect(result.skippedTags.map((s) => s.tag)).toEqual(['v3.0.0']);
    expect(result.explanation).toContain('1 tag(s) skipped as not versions');
  });

  it('without a release list uses the fallback and says so', () => {
    const result = resolve({ releases: undefined, fallbackVersion: '1.7.0' });
    expect(result).toMatchObject({ version: '1.7.0', source: 'fallback', publishedAt: null });
    expect(result.explanation).toEqual([
      'strategy latest',
      'no release list was consulted',
      'using fallback_version 1.7.0',
    ]);
  });

  it('without a release list nor fallback throws NO_VERSION_RESOLVED', () => {
    const error = resolveError({ releases: undefined });
    expect(error.code).toBe('NO_VERSION_RESOLVED');
    expect(error.message).toContain('no release list was consulted');
  });

  it('with an empty list and no fallback throws NO_VERSION_RESOLVED', () => {
    expect(resolveError({ releases: [] }).code).toBe('NO_VERSION_RESOLVED');
  });
});

describe('resolveVersion: minimum_version and fallback_version', () => {
  it('a minimum above every release falls back when the fallback is allowed', () => {
    const error = resolveError({ minimumVersion: '2.0.0', fallbackVersion: '1.7.0' });
    expect(error.code).toBe('NO_VERSION_RESOLVED');
    expect(error.message).toContain(
      'fallback_version 1.7.0 is not allowed either: below minimum_version 2.0.0',
    );
  });

  it('passes over releases below the minimum with the reason', () => {
    const error = resolveError({ strategy: 'range', constraint: '<1.5.0', minimumVersion: '1.5.0' });
    const details = error.details as { passedOver: { version: string; reason: string }[] };
    expect(details.passedOver).toContainEqual({
      version: '1.4.0',
      reason: 'below minimum_version 1.5.0',
    });
    expect(details.passedOver).toContainEqual({
      version: '1.7.0',
      reason: 'does not satisfy <1.5.0',
    });
  });

  it('uses the fallback when nothing matches, keeping the tag and date from the list', () => {
    const result = resolve({ strategy: 'range', constraint: '>=5.0.0', fallbackVersion: '1.6.1' });
    expect(result).toMatchObject({
      version: '1.6.1',
      tag: 'v1.6.1',
      source: 'fallback',
      publishedAt: '2023-06-20T00:00:00Z',
    });
    // Only releases newer than the fallback are listed as passed over.
    expect(result.passedOver.map((p) => p.version)).toEqual(['1.8.0-rc.0', '1.7.0']);
  });

  it('says when the fallback is not in the release list', () => {
    const result = resolve({ strategy: 'range', constraint: '>=5.0.0', fallbackVersion: '1.3.0' });
    expect(result.explanation).toContain('using fallback_version 1.3.0 (not in the release list)');
  });

  it('refuses an excluded fallback', () => {
    const error = resolveError({
      releases: undefined,
      fallbackVersion: '1.6.0',
      excludedVersions: [{ version: '1.6.0', reason: 'Known memory leak' }],
    });
    expect(error.message).toContain(
      'fallback_version 1.6.0 is not allowed either: excluded: Known memory leak',
    );
  });

  it('rejects a malformed minimum or fallback with INVALID_VERSION', () => {
    expect(resolveError({ minimumVersion: 'one' }).message).toContain('minimum_version "one"');
    expect(resolveError({ releases: undefined, fallbackVersion: 'x' }).message).toContain(
      'fallback_version "x"',
    );
    expect(resolveError({ excludedVersions: [{ version: '1.6', reason: '' }] }).code).toBe('INVALID_VERSION');
  });
});

describe('resolveVersion: pinned', () => {
  it('selects exactly the pinned version and explains newer ones', () => {
    const result = resolve({ strategy: 'pinned', version: '1.6.0' });
    expect(result).toMatchObject({ version: '1.6.0', tag: 'v1.6.0', source: 'strategy' });
    expect(result.passedOver).toEqual([
      { version: '1.8.0-rc.0', reason: 'not the pinned version 1.6.0' },
      { version: '1.7.0', reason: 'not the pinned version 1.6.0' },
      { version: '1.6.1', reason: 'not the pinned version 1.6.0' },
    ]);
  });

  it('accepts the pin with a v prefix', () => {
    expect(resolve({ strategy: 'pinned', version: 'v1.7.0' }).version).toBe('1.7.0');
  });

  it('honours an explicit pin of a prerelease even with exclude_prereleases on', () => {
    expect(resolve({ strategy: 'pinned', version: '1.8.0-rc.0' })).toMatchObject({
      version: '1.8.0-rc.0',
      prerelease: true,
    });
  });

  it('gives every reason a newer release was not taken', () => {
    const result = resolve({
      strategy: 'pinned',
      version: '1.6.1',
      excludedVersions: [{ version: '1.7.0', reason: 'Known memory leak' }],
    });
    expect(result.passedOver).toContainEqual({
      version: '1.7.0',
      reason: 'not the pinned version 1.6.1; excluded: Known memory leak',
    });
  });

  it('refuses a pin of an excluded version', () => {
    const error = resolveError({
      strategy: 'pinned',
      version: '1.6.0',
      excludedVersions: [{ version: '1.6.0', reason: 'Known memory leak' }],
    });
    expect(error.code).toBe('NO_VERSION_RESOLVED');
    const details = error.details as { passedOver: { version: string; reason: string }[] };
    expect(details.passedOver).toContainEqual({
      version: '1.6.0',
      reason: 'excluded: Known memory leak',
    });
  });

  it('offline (no release list) trusts the pin', () => {
    expect(resolve({ strategy: 'pinned', version: '1.7.0', releases: undefined })).toMatchObject({
      version: '1.7.0',
      tag: '1.7.0',
      source: 'strategy',
      publishedAt: null,
    });
  });

  it('offline refuses a pin below the minimum unless the fallback is allowed', () => {
    const base = {
      strategy: 'pinned' as const,
      version: '1.4.0',
      releases: undefined,
      minimumVersion: '1.5.0',
    };
    expect(resolveError(base).message).toContain(
      'pinned version 1.4.0 is not allowed: below minimum_version',
    );
    expect(resolve({ ...base, fallbackVersion: '1.7.0' })).toMatchObject({
      version: '1.7.0',
      source: 'fallback',
    });
  });

  it.each([undefined, '', '  '])('needs a version (%j) and says so with CONFIG_INVALID', (version) => {
    for (const releases of [NODE_EXPORTER, undefined]) {
      const error = resolveError({ strategy: 'pinned', version, releases });
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toBe('strategy "pinned" needs version, and none is set');
    }
  });

  it('rejects a malformed pin', () => {
    expect(resolveError({ strategy: 'pinned', version: 'latest' }).code).toBe('INVALID_VERSION');
  });

  it('a pin missing upstream uses the fallback', () => {
    expect(resolve({ strategy: 'pinned', version: '1.9.0', fallbackVersion: '1.7.0' }).source).toBe(
      'fallback',
    );
  });
});

describe('resolveVersion: locked', () => {
  it('selects the locked version', () => {
    expect(resolve({ strategy: 'locked', lockedVersion: '1.6.1' })).toMatchObject({
      version: '1.6.1',
      strategy: 'locked',
    });
  });

  it('offline trusts the lock', () => {
    expect(resolve({ strategy: 'locked', lockedVersion: 'v1.6.1', releases: undefined }).tag).toBe('v1.6.1');
  });

  it('needs a versions.lock entry', () => {
    expect(resolveError({ strategy: 'locked' }).message).toBe(
      'strategy "locked" needs a versions.lock entry, and none is set',
    );
    expect(resolveError({ strategy: 'locked', releases: undefined }).code).toBe('CONFIG_INVALID');
  });
});

describe('resolveVersion: range', () => {
  it.each([
    ['>=1.5.0 <1.7.0', '1.6.1'],
    ['^1.5', '1.7.0'],
    ['~1.6', '1.6.1'],
    ['1.x', '1.7.0'],
    ['<1.5.0 || ~1.6.0', '1.6.1'],
  ])('%s selects %s', (constraint, expected) => {
    expect(resolve({ strategy: 'range', constraint }).version).toBe(expected);
  });

  it('lets prereleases satisfy the range when exclude_prereleases is off', () => {
    expect(resolve({ strategy: 'range', constraint: '^1.5', excludePrereleases: false }).version).toBe(
      '1.8.0-rc.0',
    );
  });

  it('needs a constraint and refuses an invalid one', () => {
    expect(resolveError({ strategy: 'range' }).code).toBe('CONFIG_INVALID');
    expect(resolveError({ strategy: 'range', constraint: '>=1.7.0,<2.0.0' }).code).toBe('INVALID_CONSTRAINT');
  });
});

describe('resolveVersion: lts', () => {
  const lts = (input: Partial<ResolveInput>) =>
    resolveVersion({ strategy: 'lts', releases: PROMETHEUS, ltsSeries: ['2.53', '3.5'], ...input });

  it('selects the newest patch of the newest LTS line', () => {
    const result = lts({});
    expect(result.version).toBe('3.5.2');
    expect(result.explanation).toContain('LTS lines configured: 3.5, 2.53');
    expect(result.passedOver).toEqual([
      { version: '3.7.0', reason: 'not in an LTS line (3.5, 2.53)' },
      { version: '3.6.1', reason: 'not in an LTS line (3.5, 2.53)' },
    ]);
  });

  it('falls back to an older line when the newest has no eligible release', () => {
    const result = lts({
      excludedVersions: ['3.5.0', '3.5.1', '3.5.2'].map((version) => ({ version, reason: 'regression' })),
    });
    expect(result.version).toBe('2.53.5');
    expect(result.explanation.at(-2)).toBe(
      'selected 2.53.5: the newest patch of LTS line 2.53 (newer lines have no eligible release)',
    );
    expect(result.passedOver).toContainEqual({ version: '3.5.2', reason: 'excluded: regression' });
    expect(result.passedOver).toContainEqual({
      version: '2.55.0',
      reason: 'not in an LTS line (3.5, 2.53)',
    });
  });

  it('accepts v-prefixed series', () => {
    expect(lts({ ltsSeries: ['v2.53'] }).version).toBe('2.53.5');
  });

  it('needs lts_series', () => {
    expect(() => lts({ ltsSeries: [] })).toThrow(/needs lts_series/);
    expect(() => lts({ ltsSeries: undefined })).toThrow(/needs lts_series/);
  });

  it.each(['2', '2.53.1', 'two.five', ''])('refuses the series %j', (series) => {
    expect(() => lts({ ltsSeries: [series] })).toThrow(/is not a MAJOR.MINOR line/);
  });

  it('with no release of any line and no fallback, lists every candidate', () => {
    try {
      lts({ ltsSeries: ['9.9'] });
    } catch (error) {
      if (!isUpkeepError(error)) throw error;
      expect(error.code).toBe('NO_VERSION_RESOLVED');
      expect((error.details as { passedOver: unknown[] }).passedOver).toHaveLength(PROMETHEUS.length);
      return;
    }
    expect.unreachable();
  });
});

describe('strategy names', () => {
  it('knows the five strategies', () => {
    expect(STRATEGIES).toEqual(['latest', 'pinned', 'lts', 'range', 'locked']);
    expect(isStrategyName('lts')).toBe(true);
    expect(isStrategyName('newest')).toBe(false);
  });
});
