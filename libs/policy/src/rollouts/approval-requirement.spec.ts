import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadPolicyConfig } from '../config/load-policy-config.ts';
import { approvalRequirement, explainApprovals, type ApprovalDecisionInput } from './approval-requirement.ts';

const config = loadPolicyConfig(`
components:
  app: { github_repo: acme/app }
environments:
  production:
    approvals:
      patch: { required: 1 }
      forbid_self_approval: true
  lab:
    approvals:
      forbid_self_approval: false
      minor: { required: 0 }
      major: { required: 1, maintenance_window: false }
      manual_review: { required: 0 }
`);

const move = (kind: ApprovalDecisionInput['change']['kind'], extra: Partial<ApprovalDecisionInput> = {}) => ({
  risk_level: 'low' as const,
  requires_manual: false,
  breaking_changes: [],
  change: { kind },
  ...extra,
});

describe('approvalRequirement defaults', () => {
  it('lets a patch run by itself', () => {
    expect(approvalRequirement(config, undefined, move('patch'))).toMatchObject({
      required: 0,
      stage: null,
      maintenanceWindow: false,
      forbidSelfApproval: true,
      bump: 'patch',
    });
  });

  it('asks one approval for a minor once the canary wave is healthy', () => {
    expect(approvalRequirement(config, undefined, move('minor', { risk_level: 'medium' }))).toMatchObject({
      required: 1,
      stage: 'after_first_wave',
      maintenanceWindow: false,
    });
  });

  it('asks two approvals and a maintenance window for a major', () => {
    expect(approvalRequirement(config, undefined, move('major', { risk_level: 'high' }))).toMatchObject({
      required: 2,
      stage: 'before_start',
      maintenanceWindow: true,
    });
  });

  it.each([
    ['high risk', { risk_level: 'high' as const }, 'the risk is high'],
    ['requires_manual', { requires_manual: true }, 'requires manual review'],
    [
      'a breaking change',
      { breaking_changes: [{ affects_host: null, description: 'flag removed' }] },
      'a breaking change applies (flag removed)',
    ],
  ])('raises a patch to one approval for %s', (_name, extra, reason) => {
    const requirement = approvalRequirement(config, undefined, move('patch', extra));
    expect(requirement).toMatchObject({ required: 1, stage: 'before_start' });
    expect(requirement.reasons.join('; ')).toContain(reason);
  });

  it('does not count a breaking change known to spare the hosts', () => {
    const decision = move('patch', { breaking_changes: [{ affects_host: false, description: 'x' }] });
    expect(approvalRequirement(config, undefined, decision).required).toBe(0);
  });

  it('asks a minor with a breaking change for its approval before the start', () => {
    const decision = move('minor', { requires_manual: true });
    expect(approvalRequirement(config, undefined, decision)).toMatchObject({
      required: 1,
      stage: 'before_start',
    });
  });
});

describe('approvalRequirement per environment', () => {
  it('follows the environment overlay field by field', () => {
    expect(approvalRequirement(config, 'production', move('patch')).required).toBe(1);
    expect(approvalRequirement(config, 'production', move('major')).required).toBe(2);
    expect(approvalRequirement(config, 'lab', move('major'))).toMatchObject({
      required: 1,
      maintenanceWindow: false,
      forbidSelfApproval: false,
    });
    expect(approvalRequirement(config, 'lab', move('minor', { requires_manual: true })).required).toBe(0);
  });

  it('explains where each rule came from', () => {
    const explained = explainApprovals(config, 'production');
    expect(explained.find((value) => value.path === 'patch.required')).toMatchObject({
      layer: 'environments.production.approvals',
      key: 'environments.production.approvals.patch.required',
      value: 1,
    });
    expect(explained.find((value) => value.path === 'major.required')).toMatchObject({
      layer: 'default',
      value: 2,
    });
  });

  it('never asks fewer approvals when a decision gets riskier', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('patch', 'minor', 'major', 'install', 'prerelease', 'none' as const),
        fc.constantFrom(undefined, 'production', 'lab'),
        fc.boolean(),
        (kind, env, manual) => {
          const calm = approvalRequirement(config, env, move(kind));
          const risky = approvalRequirement(
            config,
            env,
            move(kind, { risk_level: 'high', requires_manual: manual }),
          );
          expect(risky.required).toBeGreaterThanOrEqual(calm.required);
          expect(risky.stage === null).toBe(risky.required === 0);
        },
      ),
    );
  });
});
