import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { effectiveComponent, effectiveGlobal, explainComponent } from '../overlay/effective-config.ts';
import { isWithinWindow } from '../windows/maintenance-window.ts';
import { loadPolicyConfig } from './load-policy-config.ts';

// The seed's versions.yaml, byte for byte (libs/policy/fixtures is excluded from
// prettier so it stays so). ARCHITECTURE.md: it must load unchanged.
const seedText = readFileSync(new URL('../../../../examples/versions.seed.yaml', import.meta.url), 'utf8');

describe('the seed versions.yaml', () => {
  const config = loadPolicyConfig(seedText, 'versions.seed.yaml');

  it('loads unchanged, with every section', () => {
    expect(Object.keys(config.components)).toEqual(['node_exporter', 'promtail']);
    expect(Object.keys(config.environments)).toEqual(['production', 'staging', 'development']);
    expect(config.upgrade_policies.pinned_versions).toEqual({});
    expect(config.upgrade_policies.excluded_versions.node_exporter).toEqual([
      {
        version: '1.6.0',
        reason: 'Known memory leak',
        issue_url: 'https://github.com/prometheus/node_exporter/issues/...',
      },
    ]);
    expect(config.breaking_changes).toHaveLength(2);
    expect(config.breaking_changes[0]).toMatchObject({ change_type: 'flag_removal', severity: 'high' });
  });

  it('keeps the seed values, durations in seconds', () => {
    expect(config.global.github_api).toEqual({
      enabled: true,
      timeout: 10,
      cache_ttl: 900,
      rate_limit_threshold: 10,
    });
    expect(config.components.promtail?.upgrade).toEqual({
      sync_version_with: 'loki',
      allowed_version_drift: '0.1.0',
    });
    expect(config.components.node_exporter?.constraints?.version_pattern).toBe(
      '^v?[0-9]+\\.[0-9]+\\.[0-9]+$',
    );
  });

  it('gives production its pins and staging its overlay', () => {
    expect(effectiveComponent(config, 'production', 'node_exporter')).toMatchObject({
      strategy: 'pinned',
      version: '1.7.0',
    });
    expect(effectiveComponent(config, 'production', 'promtail')).toMatchObject({
      strategy: 'pinned',
      version: '2.9.3',
    });
    expect(effectiveGlobal(config, 'staging').github_api.cache_ttl).toBe(1800);
    expect(effectiveGlobal(config, 'staging').safety.auto_upgrade).toEqual({
      enabled: true,
      allowed_risk_levels: ['low', 'medium'],
      exclude_components: [],
    });
    expect(effectiveGlobal(config, 'production').safety.rollback.retention_count).toBe(5);
  });

  it('lets development take prereleases, and says so', () => {
    expect(effectiveComponent(config, 'development', 'node_exporter').constraints.exclude_prereleases).toBe(
      false,
    );
    expect(explainComponent(config, 'development', 'node_exporter')).toContainEqual({
      path: 'constraints.exclude_prereleases',
      value: false,
      layer: 'environments.development',
      key: 'environments.development.constraints.exclude_prereleases',
    });
  });

  it('has a Sunday 02:00-06:00 UTC window for upgrades', () => {
    const windows = config.upgrade_policies.maintenance_windows?.windows ?? [];
    expect(isWithinWindow(windows, new Date('2024-06-02T03:00:00Z'), 'upgrade')).toBe(true);
    expect(isWithinWindow(windows, new Date('2024-06-02T03:00:00Z'), 'install')).toBe(false);
    expect(isWithinWindow(windows, new Date('2024-06-03T03:00:00Z'), 'upgrade')).toBe(false);
  });
});
