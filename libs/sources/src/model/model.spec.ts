import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { parsePlatform, platformFromNode } from './host-platform.ts';
import { resolveSourceSettings } from './source-settings.ts';
import { validateSourceSpec } from './source-spec.ts';

function code(run: () => unknown): string {
  try {
    run();
    return 'no error';
  } catch (error) {
    return isUpkeepError(error) ? error.code : 'not an UpkeepError';
  }
}

describe('source settings', () => {
  it('fills the seed defaults', () => {
    const s = resolveSourceSettings();
    expect(s.github).toMatchObject({
      baseUrl: 'https://api.github.com',
      timeoutSeconds: 10,
      cacheTtlSeconds: 900,
      rateLimitThreshold: 10,
    });
    expect(s.cache).toEqual({ ttlSeconds: 900, maxAgeSeconds: 86_400 });
    expect(s.osvUrl).toBe('https://api.osv.dev');
    expect(resolveSourceSettings({ cache: { ttlSeconds: 300 } }).gitlab.cacheTtlSeconds).toBe(300);
    expect(
      resolveSourceSettings({ github: { baseUrl: 'https://ghe.example.test/api/v3/' } }).github.baseUrl,
    ).toBe('https://ghe.example.test/api/v3');
  });

  it('names the key of a bad value', () => {
    expect(code(() => resolveSourceSettings({ github: { baseUrl: 'ftp://x' } }))).toBe('CONFIG_INVALID');
    expect(code(() => resolveSourceSettings({ github: { baseUrl: 'https://user:pw@x.test' } }))).toBe(
      'CONFIG_INVALID',
    );
    expect(code(() => resolveSourceSettings({ cache: { ttlSeconds: 900, maxAgeSeconds: 60 } }))).toBe(
      'CONFIG_INVALID',
    );
    expect(() => resolveSourceSettings({ github: { timeoutSeconds: -1 } })).toThrow(/github_api.timeout/);
  });
});

describe('source specs', () => {
  it.each([
    { kind: 'github', repo: 'prometheus' },
    { kind: 'github', repo: 'a/b/c' },
    { kind: 'github', repo: 'a/..' },
    { kind: 'gitlab', project: 'single' },
    { kind: 'gitlab', project: 'group/../x' },
    {
      kind: 'direct-url',
      urlTemplate: 'https://x.test/tool',
      versionsUrl: 'https://x.test/v',
      versionsFormat: 'json',
    },
    {
      kind: 'direct-url',
      urlTemplate: 'gopher://x/{VERSION}',
      versionsUrl: 'https://x.test/v',
      versionsFormat: 'json',
    },
    { kind: 'registry', url: 'ftp://mirror.test/x' },
    { kind: 'registry', url: 'relative/dir' },
  ] as const)('refuses %j', (spec) => {
    expect(code(() => validateSourceSpec(spec))).toBe('CONFIG_INVALID');
  });

  it('accepts the seed forms', () => {
    expect(code(() => validateSourceSpec({ kind: 'github', repo: 'prometheus/node_exporter' }))).toBe(
      'no error',
    );
    expect(code(() => validateSourceSpec({ kind: 'gitlab', project: 'group/sub/name' }))).toBe('no error');
    expect(code(() => validateSourceSpec({ kind: 'gitlab', project: '278964' }))).toBe('no error');
    expect(code(() => validateSourceSpec({ kind: 'registry', url: '/srv/mirror/node_exporter' }))).toBe(
      'no error',
    );
  });
});

describe('host platform', () => {
  it('maps Node names and reads constraints.architecture', () => {
    expect(platformFromNode('linux', 'x64')).toEqual({ os: 'linux', arch: 'amd64' });
    expect(platformFromNode('linux', 'arm')).toEqual({ os: 'linux', arch: 'armv7' });
    expect(parsePlatform('linux-amd64')).toEqual({ os: 'linux', arch: 'amd64' });
    expect(parsePlatform('Linux/aarch64')).toEqual({ os: 'linux', arch: 'arm64' });
    expect(code(() => parsePlatform('amd64'))).toBe('INPUT_INVALID');
    expect(code(() => platformFromNode('aix', 'ppc'))).toBe('INPUT_INVALID');
  });
});
