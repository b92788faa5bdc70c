import { describe, expect, it } from 'vitest';
import { loadPolicyConfig } from '@upkeep/policy';
import {
  autoUpgradeEnvironments,
  autoUpgradeOutcome,
  type AutoUpgradePlan,
} from './auto-upgrade-decision.ts';

const config = loadPolicyConfig(`
components:
  node_exporter: { github_repo: prometheus/node_exporter }
  promtail: { github_repo: grafana/loki, upgrade: { auto_upgrade_enabled: false } }
environments:
  production: {}
  staging:
    safety:
      auto_upgrade: { enabled: true, allowed_risk_levels: [low] }
`);

const plan = (hosts: AutoUpgradePlan['hosts'], extra: Partial<AutoUpgradePlan> = {}): AutoUpgradePlan => ({
  component: 'node_exporter',
  environment: 'staging',
  targetVersion: '1.8.1',
  requiredApprovals: 0,
  hosts,
  ...extra,
});

describe('autoUpgradeOutcome', () => {
  it('lists the environments where auto-upgrade is on', () => {
    expect(autoUpgradeEnvironments(config)).toEqual(['staging']);
  });

  it('creates a rollout when every host that needs the move may take it by itself', () => {
    expect(
      autoUpgradeOutcome(
        config,
        plan([
          { hostname: 'a', decision: 'auto', riskLevel: 'low' },
          { hostname: 'b', decision: 'skip', riskLevel: null },
        ]),
      ),
    ).toEqual({
      create: true,
      hosts: 1,
      reason: 'policy allows node_exporter 1.8.1 automatically in staging on 1 host(s)',
    });
  });

  it.each([
    [
      plan([{ hostname: 'a', decision: 'skip', riskLevel: null }]),
      'every host of staging already runs node_exporter 1.8.1',
    ],
    [
      plan([{ hostname: 'a', decision: 'auto', riskLevel: 'medium' }]),
      'a: risk medium is not in allowed_risk_levels [low] in staging',
    ],
    [
      plan([
        { hostname: 'a', decision: 'auto', riskLevel: 'low' },
        { hostname: 'b', decision: 'manual', riskLevel: 'low' },
      ]),
      'b: the decision is manual_approval',
    ],
    [plan([{ hostname: 'a', decision: 'reject', riskLevel: null }]), 'a: the decision is reject'],
    [
      plan([{ hostname: 'a', decision: 'auto', riskLevel: 'low' }], { requiredApprovals: 1 }),
      'the rollout needs 1 approval(s)',
    ],
    [
      plan([{ hostname: 'a', decision: 'auto', riskLevel: 'low' }], { environment: 'production' }),
      'a: auto_upgrade.enabled is false in production',
    ],
    [
      plan([{ hostname: 'a', decision: 'auto', riskLevel: 'low' }], { component: 'promtail' }),
      'a: promtail sets upgrade.auto_upgrade_enabled: false in staging',
    ],
  ])('does not create one: %#', (input, reason) => {
    const outcome = autoUpgradeOutcome(config, input);
    expect(outcome.create).toBe(false);
    expect(outcome.reason).toContain(reason);
  });
});
