import { describe, expect, it } from 'vitest';
import { loadPolicyConfig } from '../config/load-policy-config.ts';
import { autoUpgradeAllowed, type AutoUpgradeDecisionInput } from './auto-upgrade-allowed.ts';

const config = loadPolicyConfig(`
global:
  safety:
    auto_upgrade: { enabled: false, allowed_risk_levels: [low] }
components:
  app: { github_repo: acme/app }
  db:
    github_repo: acme/db
    upgrade: { auto_upgrade_enabled: false }
  web:
    github_repo: acme/web
    upgrade: { allowed_risk_levels: [low, medium] }
environments:
  production: {}
  staging:
    safety:
      auto_upgrade: { enabled: true, exclude_components: [app] }
  dev:
    safety:
      auto_upgrade: { enabled: true }
    approvals:
      minor: { required: 0 }
`);

const decision = (extra: Partial<AutoUpgradeDecisionInput> = {}): AutoUpgradeDecisionInput => ({
  component: 'web',
  action: 'auto_approve',
  risk_level: 'low',
  requires_manual: false,
  breaking_changes: [],
  change: { kind: 'patch' },
  ...extra,
});

describe('autoUpgradeAllowed', () => {
  it('allows a low-risk patch where auto-upgrade is on', () => {
    expect(autoUpgradeAllowed(config, 'dev', decision())).toMatchObject({ allowed: true });
    expect(autoUpgradeAllowed(config, 'staging', decision())).toMatchObject({ allowed: true });
  });

  it.each([
    ['production', decision(), 'auto_upgrade.enabled is false in production'],
    ['staging', decision({ component: 'app' }), 'app is in auto_upgrade.exclude_components in staging'],
    ['dev', decision({ component: 'db' }), 'db sets upgrade.auto_upgrade_enabled: false in dev'],
    [
      'dev',
      decision({ component: 'app', risk_level: 'medium' }),
      'risk medium is not in allowed_risk_levels [low] in dev',
    ],
    ['dev', decision({ action: 'reject' }), 'the decision is reject'],
    ['dev', decision({ action: 'manual_approval' }), 'the decision is manual_approval'],
    ['dev', decision({ requires_manual: true }), 'the decision requires manual review'],
    [
      'staging',
      decision({ risk_level: 'medium', change: { kind: 'minor' } }),
      'the approval policy asks for 1 approval(s) in staging',
    ],
  ])('refuses in %s: %s', (env, input, reason) => {
    const verdict = autoUpgradeAllowed(config, env, input);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toContain(reason);
  });

  it('uses the component list of risk levels over the global one', () => {
    const minor = decision({ risk_level: 'medium', change: { kind: 'minor' } });
    expect(autoUpgradeAllowed(config, 'dev', minor)).toMatchObject({ allowed: true });
  });
});
