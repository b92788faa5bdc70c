import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { decideUpgrade } from './decide-upgrade.ts';
import { decisionExitCode } from './decision-exit-code.ts';
import type { BreakingChange, MaintenanceWindowSettings } from '../config/policy-config.schema.ts';
import type { DecisionInput } from './decision-input.ts';
import type { SafetyCheckName, UpgradeDecision } from './upgrade-decision.ts';

const NOW = new Date('2024-06-05T12:00:00Z'); // a Wednesday

/** Auto-upgrade on for low risk, nothing else configured: the plain flowchart. */
function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    component: 'node_exporter',
    currentVersion: '1.7.0',
    targetVersion: '1.7.1',
    autoUpgrade: { enabled: true, allowed_risk_levels: ['low'] },
    advisories: [],
    now: NOW,
    ...overrides,
  };
}

function check(decision: UpgradeDecision, name: SafetyCheckName) {
  const found = decision.safety_checks.find((c) => c.check === name);
  if (found === undefined) throw new Error(`no ${name} check in ${JSON.stringify(decision.safety_checks)}`);
  return found;
}

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isUpkeepError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an UpkeepError');
}

const diskstatsRemoval: BreakingChange = {
  component: 'node_exporter',
  from_version: '1.5.0',
  to_version: '2.0.0',
  change_type: 'flag_removal',
  description: 'Removed deprecated --collector.diskstats flag',
  migration_guide: 'Use --collector.diskstats.ignored-devices instead',
  severity: 'high',
};

const vulnerableBefore = (fixed: string, id = 'GHSA-test-0001') => ({
  id,
  summary: 'Denial of service in the metrics handler',
  affected: [
    {
      package: { ecosystem: 'Go', name: 'github.com/prometheus/node_exporter' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }],
    },
  ],
  references: [{ type: 'ADVISORY', url: `https://github.com/advisories/${id}` }],
  database_specific: { severity: 'HIGH' },
});

describe('version comparison', () => {
  it('skips when the target is already installed', () => {
    const d = decideUpgrade(input({ targetVersion: '1.7.0' }));
    expect(d).toMatchObject({ action: 'skip', approved: false, requires_manual: false, risk_level: 'low' });
    expect(decisionExitCode(d)).toBe(0);
    expect(d.explanation[0]).toBe('node_exporter 1.7.0 is already installed: nothing to do.');
    expect(d.explanation.at(-1)).toBe('Decision: skip, nothing to install (exit code 0).');
    expect(d.rollback_plan.available).toBe(false);
  });

  it('treats v-prefixed and plain versions as the same version', () => {
    expect(decideUpgrade(input({ currentVersion: 'v1.7.0', targetVersion: '1.7.0' })).action).toBe('skip');
  });

  it('does not reinstall the same version when forced, and says so', () => {
    const d = decideUpgrade(input({ targetVersion: '1.7.0', force: true }));
    expect(d.action).toBe('skip');
    expect(d.explanation).toContain('Force does not reinstall the version that is already installed.');
  });

  it('warns on a skip when the installed version has a known vulnerability', () => {
    const d = decideUpgrade(input({ targetVersion: '1.7.0', advisories: [vulnerableBefore('1.8.0')] }));
    expect(d.action).toBe('skip');
    expect(d.warnings).toEqual([
      'The installed node_exporter 1.7.0 is affected by GHSA-test-0001 (Denial of service in the metrics handler); fixed in 1.8.0.',
    ]);
  });

  it('rejects a downgrade without force', () => {
    const d = decideUpgrade(input({ currentVersion: '1.7.0', targetVersion: '1.6.1' }));
    expect(d).toMatchObject({ action: 'reject', approved: false });
    expect(decisionExitCode(d)).toBe(1);
    expect(check(d, 'version_comparison')).toMatchObject({ passed: false, status: 'failed' });
    expect(d.explanation[0]).toBe(
      'Downgrade of node_exporter from 1.7.0 to 1.6.1 is refused: downgrades need force (--force) to be done on purpose.',
    );
    expect(d.rollback_plan.available).toBe(false);
  });

  it('allows a forced downgrade with a warning, risk from the move, never unattended', () => {
    const d = decideUpgrade(input({ currentVersion: '1.7.1', targetVersion: '1.7.0', force: true }));
    expect(d).toMatchObject({ action: 'recommend', approved: true, risk_level: 'low', forced: true });
    expect(d.change.direction).toBe('downgrade');
    expect(d.warnings[0]).toMatch(/^Forced downgrade of node_exporter from 1\.7\.1 to 1\.7\.0/);
    expect(check(d, 'version_comparison').status).toBe('warning');
    expect(d.explanation.join(' ')).toContain('a downgrade is never applied automatically');
    expect(decisionExitCode(d)).toBe(0);
  });

  it('approves a forced downgrade across a major version as a forced manual approval', () => {
    const d = decideUpgrade(input({ currentVersion: '2.0.0', targetVersion: '1.8.0', force: true }));
    expect(d).toMatchObject({
      action: 'manual_approval',
      approved: true,
      requires_manual: true,
      risk_level: 'high',
    });
    expect(decisionExitCode(d)).toBe(0);
    expect(d.breaking_changes[0]).toMatchObject({ source: 'major_version', reverted: true });
  });

  it('treats a missing installed version as a fresh install', () => {
    const d = decideUpgrade(input({ currentVersion: null, targetVersion: '1.8.0' }));
    expect(d).toMatchObject({
      action: 'auto_approve',
      approved: true,
      risk_level: 'low',
      current_version: null,
    });
    expect(d.change).toMatchObject({ direction: 'install', kind: 'install', from: null });
    expect(d.explanation[0]).toBe(
      'node_exporter is not installed on this host: this is a fresh install of 1.8.0.',
    );
    expect(d.rollback_plan).toMatchObject({
      available: false,
      to_version: null,
      create_rollback_point: false,
    });
    expect(d.rollback_plan.steps[1]).toContain('remove the 1.8.0 binary');
  });

  it('reports how many known releases the move skips', () => {
    const d = decideUpgrade(
      input({
        currentVersion: '1.5.0',
        targetVersion: '1.8.0',
        knownVersions: ['v1.5.0', 'v1.6.0', 'v1.6.1', 'v1.7.0', 'v1.8.0', 'not-a-version'],
      }),
    );
    expect(d.change.releases).toEqual({ skipped: 3, majors_crossed: 0, minors_crossed: 3 });
    expect(d.explanation).toContain(
      'Among the known releases, the move skips 3 releases across 3 minor lines.',
    );
  });

  it('leaves the release count out when no release list is given', () => {
    expect(decideUpgrade(input()).change.releases).toBeNull();
  });
});

describe('risk and the auto-upgrade policy', () => {
  it('auto-approves a low-risk patch when auto-upgrade allows low', () => {
    const d = decideUpgrade(input());
    expect(d).toMatchObject({
      action: 'auto_approve',
      approved: true,
      risk_level: 'low',
      requires_manual: false,
    });
    expect(d.safety_checks_passed).toBe(true);
    expect(decisionExitCode(d)).toBe(0);
    expect(d.explanation).toContain(
      'Auto-upgrade accepts low-risk changes for node_exporter (safety.auto_upgrade.allowed_risk_levels: [low]), so this can run unattended.',
    );
  });

  it('recommends a low-risk patch when auto-upgrade is off (the seed default)', () => {
    const d = decideUpgrade(input({ autoUpgrade: undefined }));
    expect(d).toMatchObject({ action: 'recommend', approved: true });
    expect(d.explanation.join(' ')).toContain('auto-upgrade is off (safety.auto_upgrade.enabled: false)');
    expect(decisionExitCode(d)).toBe(0);
  });

  it('recommends a medium-risk minor upgrade', () => {
    const d = decideUpgrade(input({ targetVersion: '1.8.0' }));
    expect(d).toMatchObject({ action: 'recommend', risk_level: 'medium', approved: true });
    expect(d.explanation.join(' ')).toContain(
      'medium risk is not in safety.auto_upgrade.allowed_risk_levels [low]',
    );
  });

  it("lets the component's allowed_risk_levels replace the global list", () => {
    const d = decideUpgrade(
      input({ targetVersion: '1.8.0', upgrade: { allowed_risk_levels: ['low', 'medium'] } }),
    );
    expect(d.action).toBe('auto_approve');
    expect(d.explanation.join(' ')).toContain(
      'components.node_exporter.upgrade.allowed_risk_levels: [low, medium]',
    );
  });

  it('treats a minor bump in 0.x as high risk needing a person', () => {
    const d = decideUpgrade(input({ currentVersion: '0.18.1', targetVersion: '0.19.0' }));
    expect(d).toMatchObject({
      action: 'manual_approval',
      risk_level: 'high',
      approved: false,
      requires_manual: true,
    });
    expect(decisionExitCode(d)).toBe(2);
    expect(d.explanation).toContain('Manual approval needed: the risk is high.');
  });

  it('requires manual approval for a major version', () => {
    const d = decideUpgrade(input({ targetVersion: '2.0.0' }));
    expect(d).toMatchObject({ action: 'manual_approval', risk_level: 'high' });
    expect(d.explanation).toContain(
      'Manual approval needed: the risk is high; a major version change needs manual approval (upgrade.require_manual_approval_for_major).',
    );
  });

  it('auto-approves high risk only when the policy accepts high and majors do not need a person', () => {
    const accepting = input({
      targetVersion: '2.0.0',
      autoUpgrade: { enabled: true, allowed_risk_levels: ['low', 'medium', 'high'] },
    });
    expect(decideUpgrade(accepting).action).toBe('manual_approval');
    const d = decideUpgrade({ ...accepting, upgrade: { require_manual_approval_for_major: false } });
    expect(d).toMatchObject({ action: 'auto_approve', risk_level: 'high', approved: true });
    expect(d.explanation).toContain(
      'The auto-upgrade policy accepts high-risk changes for node_exporter (safety.auto_upgrade.allowed_risk_levels).',
    );
  });

  it('recommends when the component opts out of auto-upgrade', () => {
    const d = decideUpgrade(input({ upgrade: { auto_upgrade_enabled: false } }));
    expect(d.action).toBe('recommend');
    expect(d.explanation.join(' ')).toContain(
      'node_exporter opts out of auto-upgrade (upgrade.auto_upgrade_enabled: false)',
    );
  });

  it('does not let a component opt in when the global switch is off', () => {
    const d = decideUpgrade(
      input({ autoUpgrade: { enabled: false }, upgrade: { auto_upgrade_enabled: true } }),
    );
    expect(d.action).toBe('recommend');
  });

  it('recommends when the component is in exclude_components', () => {
    const d = decideUpgrade(
      input({
        autoUpgrade: { enabled: true, allowed_risk_levels: ['low'], exclude_components: ['node_exporter'] },
      }),
    );
    expect(d.action).toBe('recommend');
    expect(d.explanation.join(' ')).toContain('node_exporter is in safety.auto_upgrade.exclude_components');
  });

  it('counts a prerelease target as at least medium risk', () => {
    const d = decideUpgrade(input({ targetVersion: '1.7.1-rc.0' }));
    expect(d).toMatchObject({ risk_level: 'medium', action: 'recommend' });
    expect(d.change.reasons).toContain('target 1.7.1-rc.0 is a prerelease');
  });
});

describe('compatibility (compatible_with)', () => {
  it('passes when every required component satisfies its constraint', () => {
    const d = decideUpgrade(
      input({ compatibleWith: { prometheus: '>=2.0.0' }, installedVersions: { prometheus: '2.45.0' } }),
    );
    expect(check(d, 'compatibility')).toMatchObject({
      passed: true,
      detail: 'prometheus 2.45.0 satisfies >=2.0.0',
    });
    expect(d.explanation).toContain('Compatible: prometheus 2.45.0 satisfies >=2.0.0.');
    expect(d.action).toBe('auto_approve');
  });

  it('rejects when an installed component does not satisfy the constraint', () => {
    const d = decideUpgrade(
      input({ compatibleWith: { prometheus: '>=2.0.0' }, installedVersions: { prometheus: '1.8.2' } }),
    );
    expect(d).toMatchObject({ action: 'reject', approved: false });
    expect(check(d, 'compatibility')).toMatchObject({
      passed: false,
      detail:
        'node_exporter requires prometheus >=2.0.0, but the installed prometheus 1.8.2 does not satisfy it',
    });
    expect(decisionExitCode(d)).toBe(1);
  });

  it('rejects with a clear message when a required component is not installed', () => {
    const d = decideUpgrade(input({ compatibleWith: { prometheus: '>=2.0.0' } }));
    expect(d.action).toBe('reject');
    expect(d.explanation).toContain(
      'Incompatible: node_exporter requires prometheus >=2.0.0, but prometheus is not installed on this host.',
    );
  });

  it('accepts a prerelease of an installed component that is inside the constraint', () => {
    const d = decideUpgrade(
      input({ compatibleWith: { loki: '>=2.9.0' }, installedVersions: { loki: '3.0.0-rc.1' } }),
    );
    expect(check(d, 'compatibility').passed).toBe(true);
  });

  it('skips the check, with a warning, when compatibility_check is off', () => {
    const d = decideUpgrade(
      input({ compatibleWith: { prometheus: '>=2.0.0' }, safety: { compatibility_check: false } }),
    );
    expect(d.action).toBe('auto_approve');
    expect(check(d, 'compatibility').status).toBe('skipped');
    expect(d.warnings).toContain(
      'The compatibility check is off (safety.compatibility_check: false): required components are not checked.',
    );
  });

  it('throws a clear error for a constraint that does not parse', () => {
    const error = errorOf(() => decideUpgrade(input({ compatibleWith: { prometheus: '>=two' } })));
    expect(error.code).toBe('INVALID_CONSTRAINT');
    expect(error.message).toContain('compatible_with.prometheus ">=two"');
  });
});

describe('excluded_versions', () => {
  const excluded = [
    {
      version: '1.6.0',
      reason: 'Known memory leak',
      issue_url: 'https://github.com/prometheus/node_exporter/issues/...',
    },
  ];

  it('rejects an excluded target with the reason and the issue', () => {
    const d = decideUpgrade(
      input({ currentVersion: '1.5.0', targetVersion: '1.6.0', excludedVersions: excluded }),
    );
    expect(d.action).toBe('reject');
    expect(check(d, 'excluded_versions').detail).toBe(
      '1.6.0 is excluded: Known memory leak (see https://github.com/prometheus/node_exporter/issues/...)',
    );
    expect(d.explanation).toContain(
      'node_exporter 1.6.0 is listed in excluded_versions: Known memory leak (see https://github.com/prometheus/node_exporter/issues/...). It must not be installed.',
    );
  });

  it('keeps rejecting an excluded target when forced', () => {
    const d = decideUpgrade(
      input({ currentVersion: '1.5.0', targetVersion: '1.6.0', excludedVersions: excluded, force: true }),
    );
    expect(d).toMatchObject({ action: 'reject', approved: false });
    expect(d.explanation).toContain(
      'Force does not override this: it only allows a downgrade and stands in for a manual approval.',
    );
    expect(d.explanation.at(-1)).toBe('Decision: rejected (force does not apply) (exit code 1).');
  });

  it('warns when the installed version is itself excluded', () => {
    const d = decideUpgrade(
      input({ currentVersion: '1.6.0', targetVersion: '1.6.1', excludedVersions: excluded }),
    );
    expect(d.action).toBe('auto_approve');
    expect(d.warnings).toContain(
      'The installed node_exporter 1.6.0 is itself excluded: Known memory leak (see https://github.com/prometheus/node_exporter/issues/...).',
    );
  });
});

describe('sync_version_with and allowed_version_drift', () => {
  const promtail = (target: string, loki?: string): DecisionInput =>
    input({
      component: 'promtail',
      currentVersion: '2.9.0',
      targetVersion: target,
      installedVersions: loki === undefined ? {} : { loki },
      upgrade: { sync_version_with: 'loki', allowed_version_drift: '0.1.0' },
    });

  it('accepts a promtail within the drift of the installed loki (2.9.3 vs 2.9.1)', () => {
    const d = decideUpgrade(promtail('2.9.3', '2.9.1'));
    expect(check(d, 'version_sync')).toMatchObject({
      passed: true,
      detail: '2.9.3 within 0.1.0 of loki 2.9.1',
    });
    expect(d.explanation).toContain(
      'promtail 2.9.3 stays within allowed_version_drift 0.1.0 of loki 2.9.1 (same major, minors 9 and 9 are 0 apart (at most 1 allowed)).',
    );
    expect(d.action).toBe('auto_approve');
  });

  it('rejects a promtail that would leave the drift (3.0.0 vs loki 2.9.1)', () => {
    const d = decideUpgrade(promtail('3.0.0', '2.9.1'));
    expect(d.action).toBe('reject');
    expect(check(d, 'version_sync').detail).toBe(
      'promtail 3.0.0 would drift too far from loki 2.9.1: majors differ (3 vs 2); allowed_version_drift is 0.1.0',
    );
    expect(d.explanation.join(' ')).toContain(
      'Upgrade loki first, or choose a promtail version closer to 2.9.1.',
    );
  });

  it('allows one minor of drift but not two', () => {
    expect(decideUpgrade(promtail('2.10.0', '2.9.1')).action).not.toBe('reject');
    expect(decideUpgrade(promtail('2.11.0', '2.9.1')).action).toBe('reject');
  });

  it('warns instead of rejecting when the followed component is not on this host', () => {
    const d = decideUpgrade(promtail('2.9.3'));
    expect(check(d, 'version_sync').status).toBe('skipped');
    expect(d.warnings).toContain(
      'promtail follows loki (sync_version_with), but loki is not installed on this host, so the drift cannot be checked.',
    );
  });

  it('throws on a drift with more than one non-zero part', () => {
    const bad = {
      ...promtail('2.9.3', '2.9.1'),
      upgrade: { sync_version_with: 'loki', allowed_version_drift: '0.1.5' },
    };
    expect(errorOf(() => decideUpgrade(bad))).toMatchObject({
      code: 'INPUT_INVALID',
      message: 'allowed_version_drift "0.1.5" is not a drift: write MAJOR.MINOR.PATCH with one non-zero part',
    });
  });
});

describe('breaking changes', () => {
  const configChange: BreakingChange = {
    component: 'promtail',
    from_version: '2.8.0',
    to_version: '2.9.0',
    change_type: 'config_change',
    description: 'Changed pipeline stages syntax',
    migration_guide: 'Update scrape_configs to use new syntax',
    severity: 'medium',
  };
  const promtail = (current: string, target: string, extra: Partial<DecisionInput> = {}) =>
    input({
      component: 'promtail',
      currentVersion: current,
      targetVersion: target,
      breakingChanges: [configChange],
      ...extra,
    });

  it('reports a listed change the move crosses and raises the risk to medium', () => {
    const d = decideUpgrade(promtail('2.8.4', '2.9.0'));
    expect(d.breaking_changes).toEqual([
      expect.objectContaining({ source: 'config', version: '2.9.0', severity: 'medium', affects_host: null }),
    ]);
    expect(d).toMatchObject({ risk_level: 'medium', action: 'recommend' });
    expect(d.explanation).toContain(
      'Breaking change in 2.9.0 (breaking_changes list, config_change, severity medium): Changed pipeline stages syntax. Migration: Update scrape_configs to use new syntax.',
    );
    expect(d.upgrade_notes).toBe('2.9.0: Update scrape_configs to use new syntax');
    expect(check(d, 'breaking_changes').status).toBe('warning');
  });

  it('ignores listed changes for other components and those the move does not cross', () => {
    expect(decideUpgrade(promtail('2.9.0', '2.9.1')).breaking_changes).toEqual([]);
    expect(decideUpgrade(promtail('2.7.0', '2.8.9')).breaking_changes).toEqual([]);
    expect(decideUpgrade(input({ breakingChanges: [configChange] })).breaking_changes).toEqual([]);
  });

  it('still reports a change to a host older than from_version that crosses to_version', () => {
    const d = decideUpgrade(promtail('2.7.0', '2.9.3'));
    expect(d.breaking_changes.map((c) => c.description)).toContain('Changed pipeline stages syntax');
  });

  it('requires a person for a high-severity change when the host cannot be checked', () => {
    const d = decideUpgrade(
      input({
        currentVersion: '1.9.0',
        targetVersion: '2.0.0',
        upgrade: { require_manual_approval_for_major: false },
        breakingChanges: [diskstatsRemoval],
      }),
    );
    expect(d.action).toBe('manual_approval');
    expect(d.breaking_changes[0]).toMatchObject({ affects_host: null, severity: 'high' });
    expect(d.warnings).toContain(
      'The command line of node_exporter on this host is unknown, so it cannot be told whether it uses --collector.diskstats (removed in 2.0.0); treat the host as affected.',
    );
    expect(check(d, 'command_line_flags').status).toBe('skipped');
    expect(d.explanation.join(' ')).toContain(
      'the high-severity breaking change in 2.0.0 needs a person to apply its migration',
    );
  });

  it('notes a flag removal the host does not use, at low severity, without raising the risk', () => {
    const patchRemoval: BreakingChange = { ...diskstatsRemoval, to_version: '1.7.1' };
    const d = decideUpgrade(
      input({ breakingChanges: [patchRemoval], serviceArgs: ['--collector.diskstats.ignored-devices=^ram'] }),
    );
    expect(d.breaking_changes[0]).toMatchObject({
      affects_host: false,
      severity: 'low',
      configured_severity: 'high',
      host_detail: 'this host does not use --collector.diskstats',
    });
    expect(d).toMatchObject({ risk_level: 'low', action: 'auto_approve' });
    expect(d.explanation).toContain(
      'This host does not run node_exporter with --collector.diskstats, so its removal in 1.7.1 does not affect it.',
    );
    expect(check(d, 'command_line_flags')).toMatchObject({ passed: true });
    expect(d.upgrade_notes).toBe('');
  });

  it('matches --flag=value but not a longer flag sharing the prefix', () => {
    const patchRemoval: BreakingChange = {
      ...diskstatsRemoval,
      to_version: '1.7.1',
      flag: 'collector.textfile.directory',
    };
    const hit = decideUpgrade(
      input({ breakingChanges: [patchRemoval], serviceArgs: ['--collector.textfile.directory=/var/lib/ne'] }),
    );
    expect(hit.breaking_changes[0]?.affects_host).toBe(true);
    expect(hit.action).toBe('manual_approval');
    const miss = decideUpgrade(
      input({ breakingChanges: [patchRemoval], serviceArgs: ['--collector.textfile.directory.extra=/x'] }),
    );
    expect(miss.breaking_changes[0]?.affects_host).toBe(false);
  });

  it('matches a rename against the old name and names the new one', () => {
    const rename: BreakingChange = {
      component: 'node_exporter',
      from_version: '1.7.0',
      to_version: '1.8.0',
      change_type: 'flag_rename',
      description: 'Renamed --collector.netdev.ignored-devices to --collector.netdev.device-exclude',
      severity: 'medium',
    };
    const d = decideUpgrade(
      input({
        targetVersion: '1.8.0',
        breakingChanges: [rename],
        serviceArgs: ['--collector.netdev.ignored-devices=^lo$'],
      }),
    );
    expect(d.breaking_changes[0]).toMatchObject({
      flag: '--collector.netdev.ignored-devices',
      renamed_to: '--collector.netdev.device-exclude',
      affects_host: true,
    });
    expect(d.action).toBe('manual_approval');
    expect(d.warnings[0]).toBe(
      'This host runs node_exporter with --collector.netdev.ignored-devices=^lo$, renamed to --collector.netdev.device-exclude in 1.8.0: the service will not start until its command line is changed.',
    );
  });

  it('with rewritesRenamedFlags, a rename in use needs no person and says what is rewritten', () => {
    const rename: BreakingChange = {
      component: 'node_exporter',
      from_version: '1.7.0',
      to_version: '1.8.0',
      change_type: 'flag_rename',
      description: 'Renamed a flag',
      flag: '--collector.netdev.ignored-devices',
      renamed_to: '--collector.netdev.device-exclude',
      severity: 'medium',
    };
    const removal: BreakingChange = { ...rename, change_type: 'flag_removal', flag: '--collector.old' };
    const args = ['--collector.netdev.ignored-devices=^lo$', '--collector.old'];
    const rewritten = decideUpgrade(
      input({
        targetVersion: '1.8.0',
        breakingChanges: [rename],
        serviceArgs: args,
        rewritesRenamedFlags: true,
      }),
    );
    expect(rewritten.breaking_changes[0]).toMatchObject({
      affects_host: true,
      command_line_rewrite: {
        from: '--collector.netdev.ignored-devices=^lo$',
        to: '--collector.netdev.device-exclude=^lo$',
      },
    });
    expect(rewritten.requires_manual).toBe(false);
    expect(rewritten.safety_checks).toContainEqual(
      expect.objectContaining({ check: 'command_line_flags', status: 'warning' }),
    );
    // A removal stays a person's decision, rewriting or not.
    const removed = decideUpgrade(
      input({
        targetVersion: '1.8.0',
        breakingChanges: [rename, removal],
        serviceArgs: args,
        rewritesRenamedFlags: true,
      }),
    );
    expect(removed.action).toBe('manual_approval');
    expect(removed.breaking_changes[1]?.command_line_rewrite).toBeUndefined();
  });

  it('on a forced downgrade, flags a host that already uses the new name of a renamed flag', () => {
    const rename: BreakingChange = {
      component: 'node_exporter',
      from_version: '1.7.0',
      to_version: '1.8.0',
      change_type: 'flag_rename',
      description: 'Renamed a flag',
      flag: '--collector.netdev.ignored-devices',
      renamed_to: '--collector.netdev.device-exclude',
      severity: 'medium',
    };
    const d = decideUpgrade(
      input({
        currentVersion: '1.8.0',
        targetVersion: '1.7.0',
        force: true,
        breakingChanges: [rename],
        serviceArgs: ['--collector.netdev.device-exclude=^lo$'],
      }),
    );
    expect(d.breaking_changes[0]).toMatchObject({ reverted: true, affects_host: true });
    expect(d.warnings.join(' ')).toContain(
      'This host runs node_exporter with --collector.netdev.device-exclude=^lo$, which 1.7.0 does not know',
    );
    expect(d).toMatchObject({ action: 'manual_approval', approved: true });
  });

  it('reads breaking changes from release notes inside the move only', () => {
    const d = decideUpgrade(
      input({
        currentVersion: '1.7.0',
        targetVersion: '1.8.0',
        releaseNotes: [
          { version: 'v1.7.0', body: '* [CHANGE] Something old that is not part of this move' },
          {
            version: 'v1.8.0',
            body: '## 1.8.0 / 2024-04-24\n\n* [CHANGE] exec collector: drop the --collector.exec.old flag #2222\n* [FEATURE] Add thing\n* [BUGFIX] Fix thing',
          },
          { version: 'v1.9.0', body: 'BREAKING: future change' },
        ],
      }),
    );
    expect(d.breaking_changes).toEqual([
      expect.objectContaining({
        source: 'release_notes',
        version: '1.8.0',
        description: '[CHANGE] exec collector: drop the --collector.exec.old flag #2222',
        severity: 'medium',
      }),
    ]);
    expect(d.explanation).toContain(
      'The release notes of 1.8.0 announce 1 breaking change: "[CHANGE] exec collector: drop the --collector.exec.old flag #2222".',
    );
  });

  it('raises a release-note change that names a flag this host uses to high and asks for a person', () => {
    const d = decideUpgrade(
      input({
        releaseNotes: [{ version: '1.7.1', body: '### Breaking changes\n- Removed `--collector.exec.old`' }],
        serviceArgs: ['--collector.exec.old'],
      }),
    );
    expect(d.breaking_changes[0]).toMatchObject({
      affects_host: true,
      severity: 'high',
      configured_severity: 'medium',
    });
    expect(d).toMatchObject({ risk_level: 'high', action: 'manual_approval' });
    expect(check(d, 'command_line_flags').status).toBe('failed');
  });

  it('reports a major bump as a breaking change', () => {
    const d = decideUpgrade(input({ targetVersion: '2.0.0' }));
    expect(d.breaking_changes).toEqual([
      expect.objectContaining({
        source: 'major_version',
        description: 'Major version change: 1.x -> 2.x (likely contains breaking changes)',
      }),
    ]);
  });

  it('skips detection, with a warning, when breaking_change_detection is off', () => {
    const d = decideUpgrade(promtail('2.8.4', '2.9.0', { safety: { breaking_change_detection: false } }));
    expect(d.breaking_changes).toEqual([]);
    expect(check(d, 'breaking_changes').status).toBe('skipped');
    expect(d.risk_level).toBe('medium');
    expect(d.warnings[0]).toContain('Breaking-change detection is off');
  });

  it('on a fresh install reports only flag changes the command line still uses', () => {
    const fresh = input({
      currentVersion: null,
      targetVersion: '2.1.0',
      breakingChanges: [
        diskstatsRemoval,
        { ...diskstatsRemoval, change_type: 'config_change', description: 'x' },
      ],
    });
    expect(decideUpgrade(fresh).breaking_changes).toEqual([]);
    const d = decideUpgrade({ ...fresh, serviceArgs: ['--collector.diskstats'] });
    expect(d.breaking_changes).toHaveLength(1);
    expect(d).toMatchObject({ action: 'manual_approval', risk_level: 'high' });
  });
});

describe('security advisories (OSV)', () => {
  it('rejects a target inside an affected range, naming the fix', () => {
    const d = decideUpgrade(input({ advisories: [vulnerableBefore('1.7.2')] }));
    expect(d).toMatchObject({ action: 'reject', risk_level: 'high' });
    expect(d.advisories).toEqual([
      {
        id: 'GHSA-test-0001',
        aliases: [],
        summary: 'Denial of service in the metrics handler',
        severity: 'HIGH',
        affects: 'both',
        fixed_in: '1.7.2',
        url: 'https://github.com/advisories/GHSA-test-0001',
      },
    ]);
    expect(d.explanation).toContain(
      'Security: node_exporter 1.7.1 is affected by GHSA-test-0001 (Denial of service in the metrics handler), affected range >=0 <1.7.2; it is fixed in 1.7.2: choose 1.7.2 or later.',
    );
    expect(check(d, 'security_advisories')).toMatchObject({
      passed: false,
      detail: '1.7.1 is affected by GHSA-test-0001',
    });
  });

  it('keeps rejecting a vulnerable target when forced', () => {
    const d = decideUpgrade(input({ advisories: [vulnerableBefore('1.7.2')], force: true }));
    expect(d).toMatchObject({ action: 'reject', approved: false });
  });

  it('marks a target that fixes an advisory of the installed version as a security fix', () => {
    const d = decideUpgrade(input({ advisories: [vulnerableBefore('1.7.1')] }));
    expect(d).toMatchObject({ security_fix: true, action: 'auto_approve' });
    expect(d.advisories[0]).toMatchObject({ affects: 'current', fixed_in: '1.7.1' });
    expect(d.explanation).toContain(
      'Security fix: node_exporter 1.7.0 is affected by GHSA-test-0001 (Denial of service in the metrics handler) and 1.7.1 is not, so this move is recommended to fix it.',
    );
    expect(d.upgrade_notes).toContain('fixes GHSA-test-0001');
  });

  it('reports an advisory only on the target side when the installed version is clean', () => {
    const introducedLater = {
      id: 'GO-2024-0002',
      summary: 'Regression',
      affected: [{ ranges: [{ type: 'SEMVER', events: [{ introduced: '1.7.1' }, { fixed: '1.7.2' }] }] }],
    };
    const d = decideUpgrade(input({ advisories: [introducedLater] }));
    expect(d.advisories[0]).toMatchObject({ affects: 'target', fixed_in: '1.7.2' });
    expect(d.action).toBe('reject');
  });

  it('ignores withdrawn records and says so', () => {
    const d = decideUpgrade(
      input({ advisories: [{ ...vulnerableBefore('9.0.0'), withdrawn: '2024-05-01T00:00:00Z' }] }),
    );
    expect(d.action).toBe('auto_approve');
    expect(d.explanation).toContain(
      'Advisory GHSA-test-0001 was withdrawn on 2024-05-01T00:00:00Z; it is ignored.',
    );
  });

  it('warns when no advisory source was consulted', () => {
    const d = decideUpgrade(input({ advisories: undefined }));
    expect(check(d, 'security_advisories').status).toBe('skipped');
    expect(d.warnings).toContain(
      'No security advisory source was consulted for node_exporter: known vulnerabilities of 1.7.1 are not checked.',
    );
  });

  it('skips the check when security_advisory_check is off', () => {
    const d = decideUpgrade(
      input({ advisories: [vulnerableBefore('9.0.0')], safety: { security_advisory_check: false } }),
    );
    expect(d.action).toBe('auto_approve');
    expect(check(d, 'security_advisories').status).toBe('skipped');
  });

  it('warns about ranges it cannot evaluate instead of calling them clean', () => {
    const gitOnly = {
      id: 'OSV-2024-1',
      summary: 'Heap overflow',
      affected: [
        { ranges: [{ type: 'GIT', repo: 'https://github.com/x/y', events: [{ introduced: '0' }] }] },
      ],
    };
    const d = decideUpgrade(input({ advisories: [gitOnly] }));
    expect(check(d, 'security_advisories').status).toBe('warning');
    expect(d.warnings[0]).toMatch(
      /^Advisory OSV-2024-1 could not be fully evaluated: affected\[0\]\.ranges\[0\]: GIT ranges/,
    );
  });

  it('looks only at the configured OSV packages', () => {
    const otherPackage = {
      ...vulnerableBefore('9.0.0'),
      affected: [
        {
          package: { ecosystem: 'Go', name: 'github.com/prometheus/exporter-toolkit' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '9.0.0' }] }],
        },
      ],
    };
    const scoped = input({
      advisories: [otherPackage],
      advisoryPackages: [{ ecosystem: 'Go', name: 'github.com/prometheus/node_exporter' }],
    });
    expect(decideUpgrade(scoped).action).toBe('auto_approve');
    expect(decideUpgrade({ ...scoped, advisoryPackages: undefined }).action).toBe('reject');
  });

  it('throws a clear error for a record that is not OSV', () => {
    expect(
      errorOf(() => decideUpgrade(input({ advisories: [{ id: 'X', affected: 'all' } as never] }))),
    ).toEqual({
      code: 'INPUT_INVALID',
      message: 'advisories[0] X: affected must be an array, got string "all"',
    });
  });
});

describe('minimum_release_age', () => {
  const week = 7 * 86_400;

  it('does not take a young release unattended, and says until when', () => {
    const d = decideUpgrade(input({ minimumReleaseAge: week, targetPublishedAt: '2024-06-03T12:00:00Z' }));
    expect(d).toMatchObject({ action: 'recommend', approved: true });
    expect(d.explanation).toContain(
      '1.7.1 is 2 days old, younger than minimum_release_age (7 days): it will not be applied automatically before 2024-06-10T12:00:00.000Z.',
    );
    expect(check(d, 'release_age').status).toBe('warning');
  });

  it('waives the wait for a release that fixes an advisory of the installed version', () => {
    const d = decideUpgrade(
      input({
        minimumReleaseAge: week,
        targetPublishedAt: '2024-06-05T09:30:00Z',
        advisories: [vulnerableBefore('1.7.1')],
      }),
    );
    expect(d).toMatchObject({ action: 'auto_approve', security_fix: true });
    expect(d.explanation).toContain(
      '1.7.1 is 2 hours 30 minutes old, younger than minimum_release_age (7 days), but it fixes GHSA-test-0001, which affects the installed version: the wait is waived.',
    );
  });

  it('does not take a release of unknown age unattended', () => {
    const d = decideUpgrade(input({ minimumReleaseAge: week, targetPublishedAt: null }));
    expect(d.action).toBe('recommend');
    expect(d.explanation.join(' ')).toContain('The publication date of 1.7.1 is unknown');
  });

  it('takes a release older than the minimum', () => {
    const d = decideUpgrade(input({ minimumReleaseAge: week, targetPublishedAt: '2024-05-01T00:00:00Z' }));
    expect(d.action).toBe('auto_approve');
    expect(check(d, 'release_age').detail).toBe('1.7.1 is 35 days 12 hours old (minimum 7 days)');
  });

  it('counts a publication date after now as just published', () => {
    const d = decideUpgrade(input({ minimumReleaseAge: 60, targetPublishedAt: '2024-06-05T13:00:00Z' }));
    expect(d.action).toBe('recommend');
    expect(check(d, 'release_age').detail).toContain('just published');
  });
});

describe('maintenance windows', () => {
  const sundayNight: MaintenanceWindowSettings = {
    enabled: true,
    windows: [
      { day: 'sunday', start_time: '02:00', end_time: '06:00', allowed_operations: ['upgrade', 'rollback'] },
    ],
  };

  it('approves inside the window', () => {
    const d = decideUpgrade(
      input({ maintenanceWindows: sundayNight, now: new Date('2024-06-09T03:00:00Z') }),
    );
    expect(d).toMatchObject({ approved: true, action: 'auto_approve', not_before: null });
    expect(check(d, 'maintenance_window').detail).toBe('inside sunday 02:00-06:00 UTC');
  });

  it('does not approve outside the window and says when the next one opens', () => {
    const d = decideUpgrade(input({ maintenanceWindows: sundayNight }));
    expect(d).toMatchObject({
      approved: false,
      action: 'auto_approve',
      not_before: '2024-06-09T02:00:00.000Z',
    });
    expect(decisionExitCode(d)).toBe(2);
    expect(check(d, 'maintenance_window')).toMatchObject({ passed: false, status: 'failed' });
    expect(d.warnings).toContain(
      'Now (2024-06-05T12:00:00.000Z) is outside the maintenance windows (sunday 02:00-06:00 UTC): the upgrade must wait; the next window opens at 2024-06-09T02:00:00.000Z.',
    );
    expect(d.explanation.at(-1)).toBe(
      'Decision: approved to run unattended, but not now: outside the maintenance window (exit code 2).',
    );
  });

  it('is not consulted when disabled (the seed default)', () => {
    const d = decideUpgrade(input({ maintenanceWindows: { ...sundayNight, enabled: false } }));
    expect(d.approved).toBe(true);
    expect(check(d, 'maintenance_window').status).toBe('skipped');
  });

  it('approves nothing when enabled without any window', () => {
    const d = decideUpgrade(input({ maintenanceWindows: { enabled: true, windows: [] } }));
    expect(d).toMatchObject({ approved: false, not_before: null });
  });

  it('ignores windows that do not allow upgrades', () => {
    const d = decideUpgrade(
      input({
        maintenanceWindows: {
          enabled: true,
          windows: [{ ...sundayNight.windows![0]!, allowed_operations: ['rollback'] }],
        },
        now: new Date('2024-06-09T03:00:00Z'),
      }),
    );
    expect(d.approved).toBe(false);
    expect(check(d, 'maintenance_window').detail).toContain('no window allows upgrades');
  });

  it('is not overridden by force', () => {
    const d = decideUpgrade(input({ targetVersion: '2.0.0', force: true, maintenanceWindows: sundayNight }));
    expect(d).toMatchObject({ action: 'manual_approval', approved: false });
  });

  it('leaves a rejection a rejection (exit 1)', () => {
    const d = decideUpgrade(input({ targetVersion: '1.6.0', maintenanceWindows: sundayNight }));
    expect(d.action).toBe('reject');
    expect(decisionExitCode(d)).toBe(1);
  });
});

describe('force', () => {
  it('turns a manual approval into an approved decision but keeps every check and warning', () => {
    const d = decideUpgrade(
      input({
        currentVersion: '1.5.0',
        targetVersion: '2.0.0',
        force: true,
        breakingChanges: [diskstatsRemoval],
        serviceArgs: ['--collector.diskstats'],
      }),
    );
    expect(d).toMatchObject({
      action: 'manual_approval',
      approved: true,
      requires_manual: true,
      forced: true,
    });
    expect(check(d, 'command_line_flags').status).toBe('failed');
    expect(d.safety_checks_passed).toBe(false);
    expect(d.warnings).toHaveLength(2);
    expect(d.warnings[1]).toMatch(
      /^Approved by force although a person's approval was needed: node_exporter runs with --collector\.diskstats/,
    );
    expect(d.explanation.at(-1)).toBe(
      'Decision: approved by force in place of a manual approval (exit code 0).',
    );
  });

  it('does not override incompatibility', () => {
    const d = decideUpgrade(input({ force: true, compatibleWith: { prometheus: '>=2.0.0' } }));
    expect(d).toMatchObject({ action: 'reject', approved: false });
  });
});

describe('the explanation', () => {
  it('lists every rule that fired in the order of the flowchart', () => {
    const d = decideUpgrade(
      input({
        component: 'promtail',
        currentVersion: '2.8.4',
        targetVersion: '2.9.3',
        compatibleWith: { loki: '>=2.9.0' },
        installedVersions: { loki: '2.9.1' },
        upgrade: { sync_version_with: 'loki', allowed_version_drift: '0.1.0' },
        breakingChanges: [
          {
            component: 'promtail',
            from_version: '2.8.0',
            to_version: '2.9.0',
            change_type: 'config_change',
            description: 'Changed pipeline stages syntax',
            severity: 'medium',
          },
        ],
        advisories: [
          {
            id: 'GHSA-loki-0001',
            summary: 'Path traversal',
            affected: [
              { ranges: [{ type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: '2.9.2' }] }] },
            ],
          },
        ],
        minimumReleaseAge: 86_400,
        targetPublishedAt: '2024-06-05T00:00:00Z',
        maintenanceWindows: {
          enabled: true,
          windows: [{ day: 'wednesday', start_time: '11:00', end_time: '13:00', timezone: 'UTC' }],
        },
      }),
    );
    const starts = d.explanation.map((s) => s.split(/[ :]/)[0]);
    expect(starts).toEqual([
      'Upgrade', // 1. version comparison and semver risk
      'Breaking', // 2. breaking changes (medium, as the minor move already is)
      'Compatible', // 3. compatibility
      'promtail', // 3b. version sync
      'Security', // 4. security advisories
      '2.9.3', // release age (waived for the fix)
      'Recommended', // 5. risk assessment under the policy
      'Now', // maintenance window
      'Decision',
    ]);
    expect(d).toMatchObject({
      action: 'recommend',
      approved: true,
      security_fix: true,
      risk_level: 'medium',
    });
  });
});

describe('rollback plan', () => {
  it('restores the installed version by default, automatically', () => {
    const d = decideUpgrade(input());
    expect(d.rollback_plan).toMatchObject({
      available: true,
      to_version: '1.7.0',
      create_rollback_point: true,
      automatic_on_failure: true,
      notes: [],
    });
    expect(d.rollback_plan.steps[0]).toBe(
      'before stopping node_exporter, create a rollback point: the 1.7.0 binary, its configuration and the service definition',
    );
  });

  it('says when an operator must run it and warns about going back across a major', () => {
    const d = decideUpgrade(
      input({ targetVersion: '2.0.0', force: true, rollback: { auto_rollback_on_failure: false } }),
    );
    expect(d.rollback_plan.automatic_on_failure).toBe(false);
    expect(d.rollback_plan.notes).toEqual([
      'auto_rollback_on_failure is off: an operator must run these steps after a failure',
      'going back across a major version (2.x to 1.x) only works if 1.7.0 can read data written by 2.0.0; check before relying on it',
    ]);
  });
});

describe('bad input', () => {
  it.each([
    [{ targetVersion: 'latest' }, 'INVALID_VERSION', 'target version "latest" is not a valid version'],
    [{ currentVersion: '1.x' }, 'INVALID_VERSION', 'installed version "1.x" is not a valid version'],
    [{ component: '  ' }, 'INPUT_INVALID', 'component is empty'],
    [{ now: new Date('nope') }, 'INPUT_INVALID', 'now is not a valid date'],
    [{ minimumReleaseAge: -1 }, 'INPUT_INVALID', 'minimum_release_age -1 is not a number of seconds'],
    [{ targetPublishedAt: 'yesterday' }, 'INPUT_INVALID', 'target published_at "yesterday" is not a date'],
    [{ installedVersions: { loki: 'main' } }, 'INVALID_VERSION', 'installed version of loki "main"'],
    [
      { autoUpgrade: { allowed_risk_levels: ['lowish' as never] } },
      'INPUT_INVALID',
      'safety.auto_upgrade.allowed_risk_levels contains "lowish", which is not a risk level',
    ],
    [
      { breakingChanges: [{ ...diskstatsRemoval, change_type: 'flag_removed' as never }] },
      'INPUT_INVALID',
      'breaking_changes[0] (node_exporter) change_type "flag_removed" is not a known change type',
    ],
    [
      { breakingChanges: [{ ...diskstatsRemoval, from_version: '2.0.0' }] },
      'INPUT_INVALID',
      'breaking_changes[0] (node_exporter) from_version 2.0.0 is not below to_version 2.0.0',
    ],
    [
      {
        maintenanceWindows: {
          enabled: true,
          windows: [{ day: 'funday' as 'sunday', start_time: '02:00', end_time: '03:00' }],
        },
      },
      'CONFIG_INVALID',
      'upgrade_policies.maintenance_windows.windows[0].day: "funday" is not one of monday',
    ],
  ] as const)('rejects %j with %s', (overrides, code, message) => {
    const error = errorOf(() => decideUpgrade(input(overrides)));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });
});

describe('decisionExitCode', () => {
  it.each([
    ['skip', false, 0],
    ['reject', false, 1],
    ['auto_approve', true, 0],
    ['recommend', true, 0],
    ['manual_approval', false, 2],
    ['manual_approval', true, 0],
    ['auto_approve', false, 2],
    ['recommend', false, 2],
  ] as const)('%s (approved %s) -> %i', (action, approved, code) => {
    expect(decisionExitCode({ action, approved })).toBe(code);
  });
});
