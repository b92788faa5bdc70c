import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isUpkeepError } from '@upkeep/errors';
import { loadPolicyConfig } from '../config/load-policy-config.ts';
import {
  effectiveComponent,
  effectiveConfig,
  effectiveGlobal,
  excludedVersionsOf,
  explainComponent,
  explainGlobal,
} from './effective-config.ts';
import { GLOBAL_DEFAULTS } from './global-defaults.ts';

const config = loadPolicyConfig(
  stringify({
    global: {
      default_strategy: 'latest',
      github_api: { timeout: 10, cache_ttl: 900 },
      safety: { auto_upgrade: { allowed_risk_levels: ['low'], exclude_components: ['app', 'db'] } },
      constraints: { version_pattern: '^v?[0-9.]+$', architecture: 'linux-amd64' },
    },
    components: {
      app: {
        github_repo: 'acme/app',
        strategy: 'latest',
        download: { archive_type: 'tar.gz', archive_pattern: 'app-{VERSION}.tar.gz' },
        constraints: { architecture: 'linux-arm64', exclude_prereleases: true },
        compatible_with: { db: '>=1.0.0' },
      },
      db: { github_repo: 'acme/db' },
      web: { github_repo: 'acme/web' },
    },
    environments: {
      production: {
        default_strategy: 'pinned',
        github_api: { cache_ttl: '30m' },
        safety: { auto_upgrade: { allowed_risk_levels: ['low', 'medium'], exclude_components: ['web'] } },
        constraints: { exclude_prereleases: false },
        component_overrides: {
          app: { strategy: 'range', constraint: '^1.7', download: { archive_type: 'zip' } },
          db: { version: '2.0.0' },
          web: { version: '3.0.0' },
        },
      },
      staging: {},
    },
    upgrade_policies: {
      pinned_versions: { web: '3.1.0' },
      excluded_versions: { app: [{ version: '1.6.0', reason: 'Known memory leak' }] },
    },
  }),
  'layers.yaml',
);

describe('effectiveGlobal', () => {
  it('fills defaults for what the file leaves out', () => {
    const global = effectiveGlobal(config, undefined);
    expect(global.gitlab_api).toEqual(GLOBAL_DEFAULTS.gitlab_api);
    expect(global.github_api).toEqual({ ...GLOBAL_DEFAULTS.github_api, timeout: 10, cache_ttl: 900 });
  });

  it('deep-merges the environment over global', () => {
    const global = effectiveGlobal(config, 'production');
    expect(global.default_strategy).toBe('pinned');
    expect(global.github_api).toMatchObject({ timeout: 10, cache_ttl: 1800 });
  });

  it('replaces lists instead of merging them', () => {
    expect(effectiveGlobal(config, 'production').safety.auto_upgrade).toEqual({
      enabled: false,
      allowed_risk_levels: ['low', 'medium'],
      exclude_components: ['web'],
    });
  });

  it('explains each value by its layer and key', () => {
    const explained = explainGlobal(config, 'production');
    expect(explained).toContainEqual({
      path: 'github_api.cache_ttl',
      value: 1800,
      layer: 'environments.production',
      key: 'environments.production.github_api.cache_ttl',
    });
    expect(explained).toContainEqual({
      path: 'github_api.timeout',
      value: 10,
      layer: 'global',
      key: 'global.github_api.timeout',
    });
    expect(explained).toContainEqual({
      path: 'gitlab_api.base_url',
      value: 'https://gitlab.com',
      layer: 'default',
    });
    expect(explained).toContainEqual({
      path: 'safety.auto_upgrade.exclude_components',
      value: ['web'],
      layer: 'environments.production',
      key: 'environments.production.safety.auto_upgrade.exclude_components',
    });
  });

  it('explains every effective leaf exactly once', () => {
    const paths = explainGlobal(config, 'staging').map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toContain('offline_mode');
    expect(paths).toContain('safety.rollback.max_size_mb');
  });
});

describe('effectiveComponent', () => {
  it('without an environment is the component over global constraints and defaults', () => {
    expect(effectiveComponent(config, undefined, 'app')).toEqual({
      name: 'app',
      github_repo: 'acme/app',
      strategy: 'latest',
      download: { archive_type: 'tar.gz', archive_pattern: 'app-{VERSION}.tar.gz' },
      constraints: { exclude_prereleases: true, version_pattern: '^v?[0-9.]+$', architecture: 'linux-arm64' },
      compatible_with: { db: '>=1.0.0' },
    });
  });

  it('applies global < environment < component_overrides', () => {
    const app = effectiveComponent(config, 'production', 'app');
    expect(app.strategy).toBe('range');
    expect(app.constraint).toBe('^1.7');
    expect(app.download).toEqual({ archive_type: 'zip', archive_pattern: 'app-{VERSION}.tar.gz' });
    // The environment's constraints overlay the component's.
    expect(app.constraints.exclude_prereleases).toBe(false);
    expect(app.constraints.architecture).toBe('linux-arm64');
  });

  it('gives a component without strategy the overlaid default_strategy, and says where it came from', () => {
    expect(effectiveComponent(config, undefined, 'db').strategy).toBe('latest');
    expect(effectiveComponent(config, 'production', 'db')).toMatchObject({
      strategy: 'pinned',
      version: '2.0.0',
    });
    expect(explainComponent(config, 'production', 'db')).toContainEqual({
      path: 'strategy',
      value: 'pinned',
      layer: 'environments.production',
      key: 'environments.production.default_strategy',
    });
    expect(explainComponent(config, undefined, 'db')).toContainEqual({
      path: 'strategy',
      value: 'latest',
      layer: 'global',
      key: 'global.default_strategy',
    });
  });

  it('falls back to the built-in default strategy', () => {
    const bare = loadPolicyConfig(stringify({ components: { x: { github_repo: 'a/b' } } }));
    expect(explainComponent(bare, undefined, 'x')).toContainEqual({
      path: 'strategy',
      value: 'latest',
      layer: 'default',
    });
  });

  it('lets upgrade_policies.pinned_versions win over everything', () => {
    expect(effectiveComponent(config, 'production', 'web')).toMatchObject({
      strategy: 'pinned',
      version: '3.1.0',
    });
    expect(effectiveComponent(config, undefined, 'web')).toMatchObject({
      strategy: 'pinned',
      version: '3.1.0',
    });
    const explained = explainComponent(config, 'production', 'web');
    expect(explained).toContainEqual({
      path: 'version',
      value: '3.1.0',
      layer: 'upgrade_policies.pinned_versions',
      key: 'upgrade_policies.pinned_versions.web',
    });
    expect(explained).toContainEqual({
      path: 'strategy',
      value: 'pinned',
      layer: 'upgrade_policies.pinned_versions',
      key: 'upgrade_policies.pinned_versions.web',
    });
  });

  it('explains each value of a component with its layer', () => {
    const explained = explainComponent(config, 'production', 'app');
    expect(explained).toEqual(
      expect.arrayContaining([
        {
          path: 'constraints.exclude_prereleases',
          value: false,
          layer: 'environments.production',
          key: 'environments.production.constraints.exclude_prereleases',
        },
        {
          path: 'constraints.version_pattern',
          value: '^v?[0-9.]+$',
          layer: 'global',
          key: 'global.constraints.version_pattern',
        },
        {
          path: 'constraints.architecture',
          value: 'linux-arm64',
          layer: 'components.app',
          key: 'components.app.constraints.architecture',
        },
        {
          path: 'download.archive_type',
          value: 'zip',
          layer: 'environments.production.component_overrides.app',
          key: 'environments.production.component_overrides.app.download.archive_type',
        },
        {
          path: 'download.archive_pattern',
          value: 'app-{VERSION}.tar.gz',
          layer: 'components.app',
          key: 'components.app.download.archive_pattern',
        },
        {
          path: 'strategy',
          value: 'range',
          layer: 'environments.production.component_overrides.app',
          key: 'environments.production.component_overrides.app.strategy',
        },
      ]),
    );
    expect(explained.some((e) => e.path === 'name')).toBe(false);
  });

  it('an environment without overlay changes nothing', () => {
    const { name: _a, ...staging } = effectiveComponent(config, 'staging', 'app');
    const { name: _b, ...none } = effectiveComponent(config, undefined, 'app');
    expect(staging).toEqual(none);
  });

  it('returns copies: changing a result changes neither the config nor later results', () => {
    const app = effectiveComponent(config, 'production', 'app');
    (app.download as { archive_type: string }).archive_type = 'binary';
    const global = effectiveGlobal(config, 'production');
    (global.safety.auto_upgrade.allowed_risk_levels as string[]).push('high');
    expect(effectiveComponent(config, 'production', 'app').download?.archive_type).toBe('zip');
    expect(effectiveGlobal(config, 'production').safety.auto_upgrade.allowed_risk_levels).toEqual([
      'low',
      'medium',
    ]);
    expect(GLOBAL_DEFAULTS.safety.auto_upgrade.allowed_risk_levels).toEqual(['low']);
  });
});

describe('unknown names', () => {
  function errorOf(fn: () => unknown) {
    try {
      fn();
    } catch (error) {
      if (isUpkeepError(error)) return error;
      throw error;
    }
    return expect.unreachable();
  }

  it('an unknown environment lists the known ones and suggests the closest', () => {
    const error = errorOf(() => effectiveComponent(config, 'prodution', 'app'));
    expect(error.code).toBe('UNKNOWN_ENVIRONMENT');
    expect(error.message).toBe(
      'environment "prodution" is not defined in layers.yaml (known: production, staging); did you mean "production"?',
    );
    expect(error.details).toEqual({ name: 'prodution', known: ['production', 'staging'] });
    expect(errorOf(() => effectiveConfig(config, 'qa')).code).toBe('UNKNOWN_ENVIRONMENT');
    expect(errorOf(() => explainGlobal(config, 'qa')).code).toBe('UNKNOWN_ENVIRONMENT');
  });

  it('an unknown component lists the known ones', () => {
    const error = errorOf(() => effectiveComponent(config, undefined, 'ap'));
    expect(error.code).toBe('UNKNOWN_COMPONENT');
    expect(error.message).toContain('(known: app, db, web); did you mean "app"?');
    expect(errorOf(() => explainComponent(config, 'production', 'nothing')).message).toContain(
      'known: app, db, web',
    );
  });

  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty'])(
    'does not mistake %s for a name',
    (name) => {
      expect(errorOf(() => effectiveComponent(config, name, 'app')).code).toBe('UNKNOWN_ENVIRONMENT');
      expect(errorOf(() => effectiveComponent(config, undefined, name)).code).toBe('UNKNOWN_COMPONENT');
    },
  );

  it('says when nothing is defined', () => {
    const empty = loadPolicyConfig('components: {}\n');
    expect(errorOf(() => effectiveGlobal(empty, 'production')).message).toContain('(none are defined)');
  });
});

describe('effectiveConfig', () => {
  it('holds every component in the environment and the shared policies', () => {
    const production = effectiveConfig(config, 'production');
    expect(production.environment).toBe('production');
    expect(Object.keys(production.components)).toEqual(['app', 'db', 'web']);
    expect(production.components.db?.strategy).toBe('pinned');
    expect(production.global.default_strategy).toBe('pinned');
    expect(production.upgrade_policies.excluded_versions.app).toHaveLength(1);
    expect(effectiveConfig(config, undefined).environment).toBeUndefined();
  });
});

describe('excludedVersionsOf', () => {
  it('lists the exclusions of a component, or none', () => {
    expect(excludedVersionsOf(config, 'app')).toEqual([{ version: '1.6.0', reason: 'Known memory leak' }]);
    expect(excludedVersionsOf(config, 'db')).toEqual([]);
    expect(excludedVersionsOf(config, 'toString')).toEqual([]);
  });
});
