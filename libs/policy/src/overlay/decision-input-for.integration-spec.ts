import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicyConfig } from '../config/load-policy-config.ts';
import { decideUpgrade } from '../decision/decide-upgrade.ts';
import { decisionExitCode } from '../decision/decision-exit-code.ts';
import { decisionInputFor, type DecisionInputOptions } from './decision-input-for.ts';

// The seed's versions.yaml as shipped, through the loader and the adapter: the
// decisions below come from the file, not from values copied by hand.
const seedText = readFileSync(new URL('../../../../examples/versions.seed.yaml', import.meta.url), 'utf8');
const config = loadPolicyConfig(seedText, 'versions.seed.yaml');
const NOW = new Date('2024-06-05T12:00:00Z');

function decide(options: Partial<DecisionInputOptions> & Pick<DecisionInputOptions, 'component'>) {
  return decideUpgrade(
    decisionInputFor(config, {
      currentVersion: '1.5.0',
      targetVersion: '2.0.0',
      advisories: [],
      now: NOW,
      ...options,
    }),
  );
}

const nodeExporterHost = {
  component: 'node_exporter',
  installedVersions: { prometheus: '2.45.0' },
  serviceArgs: [
    '/usr/local/bin/node_exporter',
    '--web.listen-address=:9100',
    '--collector.diskstats',
    '--collector.textfile.directory=/var/lib/node_exporter',
  ],
};

function promtail(targetVersion: string, environment?: string) {
  return decide({
    component: 'promtail',
    environment,
    currentVersion: '2.8.0',
    targetVersion,
    installedVersions: { loki: '2.9.1' },
  });
}

describe('the seed config: node_exporter 1.5.0 -> 2.0.0', () => {
  it('needs a person, because this host runs with --collector.diskstats, removed in 2.0.0', () => {
    const d = decide(nodeExporterHost);
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
    const d = decide({ ...nodeExporterHost, serviceArgs: ['--web.listen-address=:9100'] });
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
    const d = decide({ ...nodeExporterHost, force: true });
    expect(d).toMatchObject({ action: 'manual_approval', approved: true, forced: true });
    expect(decisionExitCode(d)).toBe(0);
    expect(d.warnings[0]).toContain('--collector.diskstats, removed in 2.0.0');
  });

  it('rejects 1.6.0, excluded for its memory leak, in every environment', () => {
    for (const environment of [undefined, 'production', 'staging', 'development']) {
      const d = decide({ ...nodeExporterHost, environment, targetVersion: '1.6.0' });
      expect(d.action).toBe('reject');
      expect(decisionExitCode(d)).toBe(1);
      expect(d.explanation).toContain(
        'node_exporter 1.6.0 is listed in excluded_versions: Known memory leak (see https://github.com/prometheus/node_exporter/issues/...). It must not be installed.',
      );
    }
  });

  it('recommends 1.7.0 (medium risk; node_exporter opts out of auto-upgrade)', () => {
    const d = decide({ ...nodeExporterHost, targetVersion: '1.7.0' });
    expect(d).toMatchObject({ action: 'recommend', approved: true, risk_level: 'medium' });
  });

  it('in staging (auto-upgrade on for low and medium) still recommends 1.7.0: the component opts out', () => {
    const d = decide({ ...nodeExporterHost, environment: 'staging', targetVersion: '1.7.0' });
    expect(d.action).toBe('recommend');
    expect(d.explanation.join(' ')).toContain('node_exporter opts out of auto-upgrade');
  });

  it('in production is the same manual approval naming the flag', () => {
    const d = decide({ ...nodeExporterHost, environment: 'production' });
    expect(d.action).toBe('manual_approval');
    expect(d.warnings[0]).toContain('--collector.diskstats');
  });

  it('refuses when prometheus is too old for node_exporter (compatible_with)', () => {
    const d = decide({
      ...nodeExporterHost,
      targetVersion: '1.7.0',
      installedVersions: { prometheus: '1.8.2' },
    });
    expect(d.action).toBe('reject');
    expect(d.explanation).toContain(
      'Incompatible: node_exporter requires prometheus >=2.0.0, but the installed prometheus 1.8.2 does not satisfy it.',
    );
  });
});

describe('the seed config: promtail follows loki', () => {
  it('recommends 2.9.3 and lists the pipeline-stages change with its migration', () => {
    const d = promtail('2.9.3');
    expect(d).toMatchObject({ action: 'recommend', approved: true, risk_level: 'medium' });
    expect(d.breaking_changes.map((c) => c.description)).toEqual(['Changed pipeline stages syntax']);
    expect(d.upgrade_notes).toBe('2.9.0: Update scrape_configs to use new syntax');
  });

  it('rejects 3.0.0: it would drift a major away from loki 2.9.1', () => {
    const d = promtail('3.0.0');
    expect(d.action).toBe('reject');
    expect(d.explanation).toContain(
      'promtail 3.0.0 would drift too far from loki 2.9.1: majors differ (3 vs 2); allowed_version_drift is 0.1.0. Upgrade loki first, or choose a promtail version closer to 2.9.1.',
    );
  });

  it('a patch is approved to run unattended in staging only', () => {
    const patch = (environment?: string) =>
      decide({
        component: 'promtail',
        environment,
        currentVersion: '2.9.3',
        targetVersion: '2.9.4',
        installedVersions: { loki: '2.9.1' },
      });
    expect(patch('staging')).toMatchObject({ action: 'auto_approve', approved: true, risk_level: 'low' });
    expect(decisionExitCode(patch('staging'))).toBe(0);
    expect(patch('production').action).toBe('recommend');
    expect(patch(undefined).action).toBe('recommend');
  });
});

describe('unknown names', () => {
  it.each([
    [{ component: 'node_exportr' }, 'UNKNOWN_COMPONENT', 'did you mean "node_exporter"?'],
    [{ component: 'promtail', environment: 'prod' }, 'UNKNOWN_ENVIRONMENT', 'known: production, staging'],
  ])('%j is refused with %s', (options, code, message) => {
    expect(() => decide(options)).toThrow(message);
    expect(() => decide(options)).toThrow(expect.objectContaining({ code }));
  });
});
