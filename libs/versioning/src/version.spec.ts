import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import {
  MAX_TAG_LENGTH,
  compareVersions,
  compileVersionPattern,
  isValidVersion,
  parseTag,
  parseVersion,
  precedenceKey,
  sortVersions,
  versionsEqual,
} from './version.ts';

const SEED_PATTERN = '^v?[0-9]+\\.[0-9]+\\.[0-9]+$';

function expectUpkeepError(fn: () => unknown, code: string, messagePart: string): void {
  try {
    fn();
  } catch (error) {
    if (!isUpkeepError(error)) throw error;
    expect(error.code).toBe(code);
    expect(error.message).toContain(messagePart);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

describe('parseTag', () => {
  it('reads a v-prefixed tag and keeps the raw text', () => {
    const result = parseTag('v1.7.0');
    expect(result).toEqual({
      ok: true,
      version: { raw: 'v1.7.0', text: '1.7.0', major: 1, minor: 7, patch: 0, prerelease: [], build: [] },
    });
  });

  it('reads a bare version', () => {
    const result = parseTag('1.7.0');
    expect(result.ok && result.version.text).toBe('1.7.0');
  });

  it('reads a prerelease with its identifiers', () => {
    const result = parseTag('2.9.3-rc.1');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.version.prerelease).toEqual(['rc', 1]);
    expect(result.version.text).toBe('2.9.3-rc.1');
  });

  it('keeps build metadata in the text and the build list', () => {
    const result = parseTag('v1.7.0-rc.1+build.5');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.version.text).toBe('1.7.0-rc.1+build.5');
    expect(result.version.build).toEqual(['build', '5']);
    expect(precedenceKey(result.version)).toBe('1.7.0-rc.1');
  });

  it.each([
    ['latest', 'is not a semantic version'],
    ['helm-loki-5.0.0', 'is not a semantic version'],
    ['weekly-k123', 'is not a semantic version'],
    ['1.7', 'is not a semantic version'],
    ['1.2.3.4', 'is not a semantic version'],
    ['01.2.3', 'is not a semantic version'],
    ['1.2.3-01', 'is not a semantic version'],
    ['1.0.0-', 'is not a semantic version'],
    [' 1.7.0', 'is not a semantic version'],
    ['9999999999999999999.0.0', 'is not a semantic version'],
    ['', 'empty tag'],
  ])('skips %j without throwing (%s)', (tag, reason) => {
    const result = parseTag(tag);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(reason);
  });

  it('refuses a very long tag quickly and truncates it in the result', () => {
    const hostile = `1.2.3-${'a.'.repeat(200_000)}a`;
    const started = performance.now();
    const result = parseTag(hostile);
    expect(performance.now() - started).toBeLessThan(50);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(`longer than ${MAX_TAG_LENGTH}`);
    expect(result.tag.length).toBeLessThanOrEqual(60);
  });

  it('accepts a tag of exactly the maximum length when it is a version', () => {
    const tag = `1.2.3-${'a'.repeat(MAX_TAG_LENGTH - 6)}`;
    expect(tag.length).toBe(MAX_TAG_LENGTH);
    expect(parseTag(tag).ok).toBe(true);
    expect(parseTag(`${tag}a`).ok).toBe(false);
  });

  it('shortens a long non-version in its reason', () => {
    const result = parseTag('x'.repeat(200));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('...');
    expect(result.reason.length).toBeLessThan(120);
  });

  it.each(['<script>', '1.2.3\n', '1.2.3\u0000', '../../etc/passwd', '1.2.3 ; rm -rf /', '\u202e1.2.3'])(
    'refuses the hostile tag %j',
    (tag) => {
      expect(parseTag(tag).ok).toBe(false);
    },
  );

  describe('version_pattern', () => {
    it('keeps tags that match the seed pattern', () => {
      expect(parseTag('v1.7.0', { versionPattern: SEED_PATTERN }).ok).toBe(true);
      expect(parseTag('1.7.0', { versionPattern: SEED_PATTERN }).ok).toBe(true);
    });

    it('skips a prerelease the pattern does not allow, naming the pattern', () => {
      const result = parseTag('v1.8.0-rc.0', { versionPattern: SEED_PATTERN });
      expect(result).toEqual({
        ok: false,
        tag: 'v1.8.0-rc.0',
        reason: `does not match version_pattern ${SEED_PATTERN}`,
      });
    });

    it('reports an invalid pattern as the reason instead of throwing', () => {
      const result = parseTag('v1.7.0', { versionPattern: '^(v' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.reason).toContain('not a valid regular expression');
    });
  });

  describe('tagPrefix', () => {
    it('strips the prefix before reading the version', () => {
      const result = parseTag('helm-loki-5.0.0', { tagPrefix: 'helm-loki-' });
      expect(result.ok && result.version.text).toBe('5.0.0');
      expect(result.ok && result.version.raw).toBe('helm-loki-5.0.0');
    });

    it('skips tags without the prefix', () => {
      const result = parseTag('v2.9.3', { tagPrefix: 'helm-loki-' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.reason).toBe('does not start with tag prefix "helm-loki-"');
    });

    it('treats an empty prefix as none', () => {
      expect(parseTag('v2.9.3', { tagPrefix: '' }).ok).toBe(true);
    });

    it('applies the pattern to the full tag, prefix included', () => {
      const rules = { tagPrefix: 'promtail-', versionPattern: '^promtail-[0-9.]+$' };
      expect(parseTag('promtail-2.9.3', rules).ok).toBe(true);
      expect(parseTag('promtail-2.9.3-rc.1', rules).ok).toBe(false);
    });
  });
});

describe('compileVersionPattern', () => {
  it('compiles once and returns the same RegExp', () => {
    expect(compileVersionPattern(SEED_PATTERN)).toBe(compileVersionPattern(SEED_PATTERN));
  });

  it('throws CONFIG_INVALID naming a broken pattern', () => {
    expectUpkeepError(() => compileVersionPattern('[a-'), 'CONFIG_INVALID', 'version_pattern "[a-"');
  });

  it('refuses an absurdly long pattern', () => {
    expectUpkeepError(() => compileVersionPattern('a'.repeat(5000)), 'CONFIG_INVALID', 'longer than');
  });
});

describe('parseVersion', () => {
  it('trims what an operator wrote', () => {
    expect(parseVersion('  v1.7.0 \n').text).toBe('1.7.0');
  });

  it('throws INVALID_VERSION naming the value and what it was', () => {
    expectUpkeepError(
      () => parseVersion('latest', 'minimum_version'),
      'INVALID_VERSION',
      'minimum_version "latest" is not a valid version',
    );
  });

  it('gives a hint with examples', () => {
    try {
      parseVersion('1.x');
    } catch (error) {
      if (!isUpkeepError(error)) throw error;
      expect(error.hint).toContain('1.7.0');
      expect(error.details).toEqual({ value: '1.x' });
      return;
    }
    expect.unreachable();
  });

  it('isValidVersion agrees', () => {
    expect(isValidVersion('1.7.0')).toBe(true);
    expect(isValidVersion('nope')).toBe(false);
  });
});

describe('compareVersions and sortVersions', () => {
  const v = (text: string) => parseVersion(text);

  it('orders by semver precedence, prereleases before their release', () => {
    const texts = ['1.10.0', '1.2.0', '1.2.0-rc.1', '1.2.0-beta.11', '1.2.0-beta.2', '0.9.9', '2.0.0-alpha'];
    expect(sortVersions(texts.map(v)).map((x) => x.text)).toEqual([
      '0.9.9',
      '1.2.0-beta.2',
      '1.2.0-beta.11',
      '1.2.0-rc.1',
      '1.2.0',
      '1.10.0',
      '2.0.0-alpha',
    ]);
  });

  it('sorts newest first on request without mutating the input', () => {
    const input = [v('1.0.0'), v('3.0.0'), v('2.0.0')];
    const copy = [...input];
    expect(sortVersions(input, 'desc').map((x) => x.text)).toEqual(['3.0.0', '2.0.0', '1.0.0']);
    expect(input).toEqual(copy);
  });

  it('ignores build metadata and the v prefix', () => {
    expect(compareVersions(v('v1.7.0'), v('1.7.0+build.9'))).toBe(0);
    expect(versionsEqual(v('1.7.0+a'), v('1.7.0+b'))).toBe(true);
    expect(versionsEqual(v('1.7.0'), v('1.7.1'))).toBe(false);
  });
});
