import { describe, expect, it } from 'vitest';
import { decideUpgrade } from './decide-upgrade.ts';
import { decisionExitCode } from './decision-exit-code.ts';
import type { BreakingChange } from '../config/policy-config.schema.ts';
import type { DecisionInput } from './decision-input.ts';

// The values below are copied by hand from seed/versions.seed.yaml (global
// section, components.node_exporter / promtail, upgrade_policies,
// breaking_changes), as the versions.yaml adapter will fill them.
const seedBreakingChanges: BreakingChange[] = [
  {
    component: 'node_exporter',
    from_version: '1.5.0',
    to_version: '2.0.0',
    change_type: 'flag_removal',
    description: 'Removed deprecated --collector.diskstats flag',
    migration_guide: 'Use --collector.diskstats.ignored-devices instead',
    severity: 'high',
  },
  {
    component: 'promtail',
    from_version: '2.8.0',
    to_version: '2.9.0',
    change_type: 'config_change',
    description: 'Changed pipeline stages syntax',
    migration_guide: 'Update scrape_configs to use new syntax',
    severity: 'medium',
  },
];

const seedGlobal: Partial<DecisionInput> = {
  safety: { compatibility_check: true, breaking_change_detection: true, security_advisory_check: true },
  autoUpgrade: { enabled: false, allowed_risk_levels: ['low'] as const, exclude_components: [] },
  rollback: { auto_rollback_on_failure: true },
  maintenanceWindows: {
    enabled: false,
    windows: [
      { day: 'sunday', start_time: '02:00', end_time: '06:00', allowed_operations: ['upgrade', 'rollback'] },
    ],
  },
  breakingChanges: seedBreakingChanges,
};

function nodeExporter(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    ...seedGlobal,
    component: 'node_exporter',
    currentVersion: '1.5.0',
    targetVersion: '2.0.0',
    installedVersions: { prometheus: '2.45.0' },
    compatibleWith: { prometheus: '>=2.0.0' },
    excludedVersions: [
      {
        version: '1.6.0',
        reason: 'Known memory leak',
        issue_url: 'https://github.com/prometheus/node_exporter/issues/...',
      },
    ],
    upgrade: {
      auto_upgrade_enabled: false,
      allowed_risk_levels: ['low', 'medium'],
      require_manual_approval_for_major: true,
    },
    serviceArgs: [
      '/usr/local/bin/node_exporter',
      '--web.listen-address=:9100',
      '--collector.diskstats',
      '--collector.textfile.directory=/var/lib/node_exporter',
    ],
    advisories: [],
    now: new Date('2024-06-05T12:00:00Z'),
    ...overrides,
  };
}

describe('the seed config: node_exporter 1.5.0 -> 2.0.0', () => {
  it('needs a person, because this host runs with --collector.diskstats, removed in 2.0.0', () => {
    const d = decideUpgrade(nodeExporter());
    expect(d).toMatchObject({
      action: 'manual_approval',
      approved: false,
      requires_manual: true,
      risk_level: 'high',
      safety_checks_passed: false,
    });
    expect(decisionExitCode(d)).toBe(2);
    expect(d.warnings).toEqual([
      'This host runs node_exporter with --collector.diskstats, removed in 2.0.0: the service will not start until its command line is changed. Migration: Use --collector.diskstats.ignored-devices instead.',
    ]);
    expect(d.breaking_changes[0]).toMatchObject({
      source: 'config',
      flag: '--collector.diskstats',
      affects_host: true,
      severity: 'high',
      host_detail: 'this host runs node_exporter with --collector.diskstats, removed in 2.0.0',
    });
    expect(d.safety_checks.find((c) => c.check === 'command_line_flags')).toEqual({
      check: 'command_line_flags',
      passed: false,
      status: 'failed',
      detail: 'this host runs with --collector.diskstats (removed in 2.0.0)',
    });
    expect(d.explanation).toEqual([
      'Upgrade of node_exporter from 1.5.0 to 2.0.0: major version changes (1.x -> 2.x), so the move itself is high risk.',
      'Breaking change in 2.0.0 (breaking_changes list, flag_removal, severity high): Removed deprecated --collector.diskstats flag.',
      'This host runs node_exporter with --collector.diskstats, removed in 2.0.0: the service will not start until its command line is changed. Migration: Use --collector.diskstats.ignored-devices instead.',
      'Major version change: 1.x -> 2.x (likely contains breaking changes).',
      'Compatible: prometheus 2.45.0 satisfies >=2.0.0.',
      'Manual approval needed: node_exporter runs with --collector.diskstats, removed in 2.0.0; the risk is high; a major version change needs manual approval (upgrade.require_manual_approval_for_major).',
      'Decision: manual approval required (exit code 2).',
    ]);
    expect(d.upgrade_notes).toBe(
      '2.0.0: this host runs node_exporter with --collector.diskstats, removed in 2.0.0\n2.0.0: Use --collector.diskstats.ignored-devices instead',
    );
    expect(d.rollback_plan.steps).toContain(
      'restore the saved configuration and service command line (undoing the change made for --collector.diskstats)',
    );
  });

  it('on a host without the flag, notes the removal as not affecting it; the major still needs a person', () => {
    const d = decideUpgrade(nodeExporter({ serviceArgs: ['--web.listen-address=:9100'] }));
    expect(d.action).toBe('manual_approval');
    expect(d.breaking_changes[0]).toMatchObject({
      affects_host: false,
      severity: 'low',
      configured_severity: 'high',
    });
    expect(d.warnings).toEqual([]);
    expect(d.explanation).toContain(
      'This host does not run node_exporter with --collector.diskstats, so its removal in 2.0.0 does not affect it.',
    );
    expect(d.explanation).toContain(
      'Manual approval needed: the risk is high; a major version change needs manual approval (upgrade.require_manual_approval_for_major).',
    );
  });

  it('with --force, is approved but keeps the flag warning', () => {
    const d = decideUpgrade(nodeExporter({ force: true }));
    expect(d).toMatchObject({ action: 'manual_approval', approved: true, forced: true });
    expect(decisionExitCode(d)).toBe(0);
    expect(d.warnings[0]).toContain('--collector.diskstats, removed in 2.0.0');
  });

  it('rejects 1.6.0, excluded for its memory leak', () => {
    const d = decideUpgrade(nodeExporter({ targetVersion: '1.6.0' }));
    expect(d.action).toBe('reject');
    expect(decisionExitCode(d)).toBe(1);
    expect(d.explanation).toContain(
      'node_exporter 1.6.0 is listed in excluded_versions: Known memory leak (see https://github.com/prometheus/node_exporter/issues/...). It must not be installed.',
    );
  });

  it('recommends 1.7.0 (medium risk; node_exporter opts out of auto-upgrade)', () => {
    const d = decideUpgrade(nodeExporter({ targetVersion: '1.7.0' }));
    expect(d).toMatchObject({ action: 'recommend', approved: true, risk_level: 'medium' });
  });

  it('in staging (auto-upgrade on for low and medium) still recommends: the component opts out', () => {
    const d = decideUpgrade(
      nodeExporter({
        targetVersion: '1.7.0',
        autoUpgrade: { enabled: true, allowed_risk_levels: ['low', 'medium'], exclude_components: [] },
      }),
    );
    expect(d.action).toBe('recommend');
    expect(d.explanation.join(' ')).toContain('node_exporter opts out of auto-upgrade');
  });
});

describe('the seed config: promtail follows loki', () => {
  function promtail(target: string): DecisionInput {
    return {
      ...seedGlobal,
      component: 'promtail',
      currentVersion: '2.8.0',
      targetVersion: target,
      installedVersions: { loki: '2.9.1' },
      compatibleWith: { loki: '>=2.9.0' },
      upgrade: { sync_version_with: 'loki', allowed_version_drift: '0.1.0' },
      advisories: [],
      now: new Date('2024-06-05T12:00:00Z'),
    };
  }

  it('recommends 2.9.3 and lists the pipeline-stages change with its migration', () => {
    const d = decideUpgrade(promtail('2.9.3'));
    expect(d).toMatchObject({ action: 'recommend', approved: true, risk_level: 'medium' });
    expect(d.breaking_changes.map((c) => c.description)).toEqual(['Changed pipeline stages syntax']);
    expect(d.upgrade_notes).toBe('2.9.0: Update scrape_configs to use new syntax');
  });

  it('rejects 3.0.0: it would drift a major away from loki 2.9.1', () => {
    const d = decideUpgrade(promtail('3.0.0'));
    expect(d.action).toBe('reject');
    expect(d.explanation).toContain(
      'promtail 3.0.0 would drift too far from loki 2.9.1: majors differ (3 vs 2); allowed_version_drift is 0.1.0. Upgrade loki first, or choose a promtail version closer to 2.9.1.',
    );
  });
});
