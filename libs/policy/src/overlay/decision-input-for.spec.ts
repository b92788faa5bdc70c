import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadPolicyConfig } from '../config/load-policy-config.ts';
import { decideUpgrade } from '../decision/decide-upgrade.ts';
import { decisionInputFor } from './decision-input-for.ts';

const NOW = new Date('2024-06-05T12:00:00Z'); // a Wednesday

const config = loadPolicyConfig(
  stringify({
    global: {
      safety: {
        compatibility_check: false,
        auto_upgrade: { enabled: true, allowed_risk_levels: ['low'], exclude_components: ['loki'] },
      },
    },
    components: {
      app: {
        github_repo: 'example/app',
        advisories: { ecosystem: 'Go', package: 'github.com/example/app' },
        compatible_with: { db: '>=2.0.0' },
        upgrade: { minimum_release_age: '7d', require_manual_approval_for_major: false },
      },
      loki: { github_repo: 'grafana/loki' },
    },
    environments: {
      production: {
        safety: { auto_upgrade: { enabled: false }, rollback: { auto_rollback_on_failure: false } },
        component_overrides: { app: { upgrade: { allowed_risk_levels: ['low', 'medium'] } } },
      },
    },
    upgrade_policies: {
      maintenance_windows: {
        enabled: true,
        timezone: 'Europe/Paris',
        windows: [{ day: 'sunday', start_time: '02:00', end_time: '06:00' }],
      },
      excluded_versions: { app: [{ version: '1.2.0', reason: 'Corrupts data' }] },
    },
    breaking_changes: [
      {
        component: 'app',
        from_version: '1.0.0',
        to_version: '2.0.0',
        change_type: 'api',
        description: 'New API',
        severity: 'medium',
      },
    ],
  }),
);

const move = { component: 'app', currentVersion: '1.1.0', targetVersion: '1.1.1', now: NOW };

describe('decisionInputFor', () => {
  it('carries the config for the component, with defaults where the file says nothing', () => {
    expect(decisionInputFor(config, { ...move, force: true, serviceArgs: ['--x'] })).toEqual({
      component: 'app',
      currentVersion: '1.1.0',
      targetVersion: '1.1.1',
      force: true,
      installedVersions: undefined,
      compatibleWith: { db: '>=2.0.0' },
      excludedVersions: [{ version: '1.2.0', reason: 'Corrupts data' }],
      breakingChanges: config.breaking_changes,
      releaseNotes: undefined,
      knownVersions: undefined,
      advisories: undefined,
      advisoryPackages: [{ ecosystem: 'Go', name: 'github.com/example/app' }],
      safety: { compatibility_check: false, breaking_change_detection: true, security_advisory_check: true },
      autoUpgrade: { enabled: true, allowed_risk_levels: ['low'], exclude_components: ['loki'] },
      upgrade: { require_manual_approval_for_major: false },
      rollback: { auto_rollback_on_failure: true },
      minimumReleaseAge: 604_800,
      targetPublishedAt: undefined,
      maintenanceWindows: {
        enabled: true,
        windows: [{ day: 'sunday', start_time: '02:00', end_time: '06:00', timezone: 'Europe/Paris' }],
      },
      serviceArgs: ['--x'],
      now: NOW,
    });
  });

  it('overlays the environment: safety settings and component overrides', () => {
    const input = decisionInputFor(config, { ...move, environment: 'production' });
    expect(input.autoUpgrade).toEqual({
      enabled: false,
      allowed_risk_levels: ['low'],
      exclude_components: ['loki'],
    });
    expect(input.rollback).toEqual({ auto_rollback_on_failure: false });
    expect(input.upgrade).toEqual({
      require_manual_approval_for_major: false,
      allowed_risk_levels: ['low', 'medium'],
    });
  });

  it('passes what the caller fetched', () => {
    const input = decisionInputFor(config, {
      ...move,
      installedVersions: { db: '2.1.0' },
      advisories: [],
      releaseNotes: [{ version: 'v1.1.1', body: 'Fixes' }],
      knownVersions: ['v1.1.0', 'v1.1.1'],
      targetPublishedAt: '2024-05-01T00:00:00Z',
    });
    expect(input).toMatchObject({
      installedVersions: { db: '2.1.0' },
      advisories: [],
      releaseNotes: [{ version: 'v1.1.1', body: 'Fixes' }],
      knownVersions: ['v1.1.0', 'v1.1.1'],
      targetPublishedAt: '2024-05-01T00:00:00Z',
    });
  });

  it('a component without its own settings gets none, and no advisory filter', () => {
    const input = decisionInputFor(config, { ...move, component: 'loki' });
    expect(input).toMatchObject({
      compatibleWith: undefined,
      excludedVersions: [],
      advisoryPackages: undefined,
      upgrade: {},
      minimumReleaseAge: 0,
    });
  });

  it('no maintenance_windows section: none given, so the decision skips the check', () => {
    const bare = loadPolicyConfig(stringify({ components: { app: { github_repo: 'example/app' } } }));
    expect(decisionInputFor(bare, move).maintenanceWindows).toBeUndefined();
  });

  it('the decision reads the windows in the section time zone', () => {
    // Sunday 02:00-06:00 in Paris (UTC+2 in June) is 00:00-04:00 UTC.
    const at = (iso: string) =>
      decideUpgrade(
        decisionInputFor(config, {
          ...move,
          advisories: [],
          targetPublishedAt: '2024-05-01T00:00:00Z',
          now: new Date(iso),
        }),
      );
    expect(at('2024-06-09T01:00:00Z')).toMatchObject({ action: 'auto_approve', approved: true });
    expect(at('2024-06-09T05:00:00Z')).toMatchObject({
      action: 'auto_approve',
      approved: false,
      not_before: '2024-06-16T00:00:00.000Z',
    });
  });

  it.each([
    [{ ...move, component: 'ap' }, 'UNKNOWN_COMPONENT'],
    [{ ...move, environment: 'staging' }, 'UNKNOWN_ENVIRONMENT'],
  ])('refuses %j with %s', (options, code) => {
    expect(() => decisionInputFor(config, options)).toThrow(expect.objectContaining({ code }));
  });
});
