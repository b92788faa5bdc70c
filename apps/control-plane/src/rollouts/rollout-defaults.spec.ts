import { describe, expect, it } from 'vitest';
import { loadPolicyConfig } from '@upkeep/policy';
import type { AppConfig } from '../config/app-config.ts';
import { BUILTIN_ROLLOUT_DEFAULTS } from './rollout-planner.ts';
import { rolloutDefaultsFor } from './rollout.service.ts';

const withPolicy = (yaml: string | null): AppConfig =>
  ({
    policy: yaml === null ? null : { path: 'versions.yaml', config: loadPolicyConfig(yaml) },
  }) as unknown as AppConfig;

describe('rolloutDefaultsFor', () => {
  it('is the built-in defaults when versions.yaml is absent or says nothing about rollouts', () => {
    expect(rolloutDefaultsFor(withPolicy(null), 'production')).toEqual(BUILTIN_ROLLOUT_DEFAULTS);
    const silent = withPolicy(
      'components:\n  app: { github_repo: acme/app }\nenvironments:\n  production: {}\n',
    );
    expect(rolloutDefaultsFor(silent, 'production')).toEqual(BUILTIN_ROLLOUT_DEFAULTS);
    expect(rolloutDefaultsFor(silent, 'elsewhere')).toEqual(BUILTIN_ROLLOUT_DEFAULTS);
  });

  it('follows upgrade_policies.rollouts and the environment overlay', () => {
    const config = withPolicy(`
components:
  app: { github_repo: acme/app }
environments:
  production:
    rollouts: { on_failure: abort }
upgrade_policies:
  rollouts:
    waves: [{ name: all, size: "100%", max_parallel: 3, bake_time: 1m }]
    gates: [{ query: up, success_condition: "== 1", for: 5m }]
`);
    expect(rolloutDefaultsFor(config, 'production')).toMatchObject({
      waves: [
        {
          name: 'all',
          size: '100%',
          maxParallel: 3,
          bakeSeconds: 60,
          failureThreshold: '1',
          approval: false,
        },
      ],
      onFailure: 'abort',
      waitsFor: [],
      gates: [{ query: 'up', successCondition: '== 1', for: '300s' }],
    });
    expect(rolloutDefaultsFor(config, 'staging').onFailure).toBe('pause');
  });
});
