import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveVersion } from '@upkeep/versioning';
import { loadPolicyConfig } from '../config/load-policy-config.ts';
import { resolveInputFor } from './resolve-input.ts';

const config = loadPolicyConfig(
  stringify({
    components: {
      node_exporter: {
        github_repo: 'prometheus/node_exporter',
        strategy: 'latest',
        minimum_version: '1.5.0',
        fallback_version: '1.7.0',
        constraints: {
          exclude_prereleases: true,
          version_pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+(-rc\\.[0-9]+)?$',
        },
      },
      loki: {
        github_repo: 'grafana/helm-charts',
        tag_prefix: 'loki-',
        strategy: 'range',
        constraint: '^5.0',
      },
    },
    environments: {
      production: { component_overrides: { node_exporter: { strategy: 'pinned', version: '1.6.1' } } },
      development: { constraints: { exclude_prereleases: false } },
    },
    upgrade_policies: {
      excluded_versions: { node_exporter: [{ version: '1.8.0', reason: 'Known memory leak' }] },
    },
  }),
);

const releases = ['v1.8.1-rc.0', 'v1.8.0', 'v1.7.0', 'v1.6.1', 'nightly'].map((version) => ({ version }));

describe('resolveInputFor', () => {
  it('carries the overlaid settings and the exclusions to resolveVersion', () => {
    const input = resolveInputFor(config, undefined, 'node_exporter', { releases });
    expect(input).toMatchObject({
      strategy: 'latest',
      minimumVersion: '1.5.0',
      fallbackVersion: '1.7.0',
      excludePrereleases: true,
      excludedVersions: [{ version: '1.8.0', reason: 'Known memory leak' }],
    });
    const resolution = resolveVersion(input);
    expect(resolution.version).toBe('1.7.0');
    expect(resolution.passedOver).toEqual([
      { version: '1.8.1-rc.0', reason: 'prerelease (exclude_prereleases is on)' },
      { version: '1.8.0', reason: 'excluded: Known memory leak' },
    ]);
    expect(resolution.skippedTags.map((s) => s.tag)).toEqual(['nightly']);
  });

  it('follows the environment', () => {
    expect(resolveVersion(resolveInputFor(config, 'production', 'node_exporter', { releases })).version).toBe(
      '1.6.1',
    );
    expect(
      resolveVersion(resolveInputFor(config, 'development', 'node_exporter', { releases })).version,
    ).toBe('1.8.1-rc.0');
  });

  it('offline with a pin needs no release list', () => {
    const input = resolveInputFor(config, 'production', 'node_exporter', { releases: undefined });
    expect(resolveVersion(input)).toMatchObject({ version: '1.6.1', source: 'strategy' });
  });

  it('passes the tag prefix and the locked version', () => {
    const input = resolveInputFor(config, undefined, 'loki', {
      releases: [{ version: 'loki-5.2.0' }, { version: 'v2.9.3' }],
      lockedVersion: '5.1.0',
    });
    expect(input.tagRules).toEqual({ versionPattern: undefined, tagPrefix: 'loki-' });
    expect(input.lockedVersion).toBe('5.1.0');
    expect(resolveVersion(input)).toMatchObject({ version: '5.2.0', tag: 'loki-5.2.0' });
  });
});
