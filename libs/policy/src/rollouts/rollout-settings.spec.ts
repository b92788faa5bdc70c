import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { loadPolicyConfig } from '../config/load-policy-config.ts';
import { ROLLOUT_DEFAULTS, explainRolloutSettings, rolloutSettings } from './rollout-settings.ts';

const seed = readFileSync(new URL('../../../../examples/versions.seed.yaml', import.meta.url), 'utf8');

const base = `
components:
  app:
    github_repo: acme/app
upgrade_policies:
  rollouts:
    waves:
      - { name: canary, size: 1, bake_time: 15m }
      - { name: rest, size: "100%", max_parallel: 20, failure_threshold: "10%", approval: true }
    on_failure: abort
    offline: { deadline: 30m }
    gates:
      - query: 'avg(up{instance=~"$instances"})'
        success_condition: "> 0.99"
        for: 5m
environments:
  production:
    rollouts:
      rollback_on_abort: true
      offline: { count_as: skipped }
  staging: {}
`;

function issuesOf(text: string): string[] {
  try {
    loadPolicyConfig(text);
  } catch (error) {
    if (!isUpkeepError(error)) throw error;
    const issues = (error.details as { issues: { path: string; message: string; line?: number }[] }).issues;
    return issues.map((issue) => `${issue.path}@${String(issue.line)}: ${issue.message}`);
  }
  return expect.unreachable();
}

describe('rolloutSettings', () => {
  it('gives the built-in defaults when versions.yaml says nothing (the seed)', () => {
    const settings = rolloutSettings(loadPolicyConfig(seed), 'production');
    expect(settings).toEqual({
      waves: [
        {
          name: 'canary',
          size: '1',
          maxParallel: 1,
          bakeSeconds: 300,
          failureThreshold: '1',
          approval: false,
        },
        {
          name: 'early',
          size: '25%',
          maxParallel: 5,
          bakeSeconds: 300,
          failureThreshold: '10%',
          approval: false,
        },
        {
          name: 'rest',
          size: '100%',
          maxParallel: 10,
          bakeSeconds: 0,
          failureThreshold: '10%',
          approval: false,
        },
      ],
      onFailure: 'pause',
      revertWaveOnFailure: true,
      rollbackOnAbort: false,
      offline: { deadlineSeconds: 600, countAs: 'failed' },
      gates: [],
    });
    expect(settings.waves).toHaveLength(ROLLOUT_DEFAULTS.waves.length);
  });

  it('overlays upgrade_policies.rollouts, then the environment, key by key', () => {
    const config = loadPolicyConfig(base);
    const staging = rolloutSettings(config, 'staging');
    expect(staging.waves).toEqual([
      { name: 'canary', size: '1', maxParallel: 5, bakeSeconds: 900, failureThreshold: '1', approval: false },
      {
        name: 'rest',
        size: '100%',
        maxParallel: 20,
        bakeSeconds: 300,
        failureThreshold: '10%',
        approval: true,
      },
    ]);
    expect(staging.onFailure).toBe('abort');
    expect(staging.offline).toEqual({ deadlineSeconds: 1800, countAs: 'failed' });
    expect(staging.gates).toEqual([
      { query: 'avg(up{instance=~"$instances"})', successCondition: '> 0.99', forSeconds: 300 },
    ]);
    const production = rolloutSettings(config, 'production');
    expect(production.rollbackOnAbort).toBe(true);
    expect(production.offline).toEqual({ deadlineSeconds: 1800, countAs: 'skipped' });
  });

  it('says which layer set each value', () => {
    const explained = explainRolloutSettings(loadPolicyConfig(base), 'production');
    const at = (path: string) => explained.find((value) => value.path === path);
    expect(at('offline.count_as')).toMatchObject({
      layer: 'environments.production.rollouts',
      key: 'environments.production.rollouts.offline.count_as',
    });
    expect(at('offline.deadline')).toMatchObject({ layer: 'upgrade_policies.rollouts', value: 1800 });
    expect(at('revert_wave_on_failure')).toMatchObject({ layer: 'default', value: true });
  });

  it('names an unknown environment with a suggestion', () => {
    expect(() => rolloutSettings(loadPolicyConfig(base), 'prodution')).toThrow(/did you mean "production"/);
  });

  it('reports bad rollout keys with path, value, allowed values and line', () => {
    const issues = issuesOf(`
components:
  app: { github_repo: acme/app }
upgrade_policies:
  rollouts:
    waves:
      - { name: canary, size: 0 }
      - { name: canary, size: "150%", bake_tme: 5m }
    on_failure: stop
    offline: { count_as: lost }
    gates:
      - { query: up, success_condition: "0.99" }
environments:
  production:
    approvals:
      major: { required: 2, stage: later }
`);
    expect(issues).toEqual([
      'upgrade_policies.rollouts.waves[0].size@7: 0 is not a wave size: write a whole number of hosts (at least 1) or a percentage such as "25%"',
      'upgrade_policies.rollouts.waves[1].size@8: "150%" is not a share between 0% (excluded) and 100%',
      'upgrade_policies.rollouts.waves[1].bake_tme@8: unknown key "bake_tme"; did you mean "bake_time"?',
      'upgrade_policies.rollouts.on_failure@9: "stop" is not one of pause, abort',
      'upgrade_policies.rollouts.offline.count_as@10: "lost" is not one of failed, skipped',
      'upgrade_policies.rollouts.gates[0].success_condition@12: "0.99" does not start with an operator; use one of >=, <=, ==, !=, >, <, e.g. "> 0.99"',
      'environments.production.approvals.major.stage@16: "later" is not one of before_start, after_first_wave',
    ]);
  });

  it('refuses two waves with one name', () => {
    const issues = issuesOf(`
components:
  app: { github_repo: acme/app }
upgrade_policies:
  rollouts:
    waves:
      - { name: canary, size: 1 }
      - { name: canary, size: "100%" }
`);
    expect(issues).toEqual([
      'upgrade_policies.rollouts.waves[1].name@8: wave name "canary" is used twice; give each wave its own name',
    ]);
  });
});
