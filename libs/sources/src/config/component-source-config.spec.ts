import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { effectiveComponent, effectiveGlobal, loadPolicyConfig } from '@upkeep/policy';
import { resolveSourceSettings } from '../model/source-settings.ts';
import { SecretValue } from '../security/secret-value.ts';
import { componentSourceConfig } from './component-source-config.ts';
import { sourceSettingsFromConfig } from './source-settings-config.ts';

const SEED = readFileSync(new URL('../../../../examples/versions.seed.yaml', import.meta.url), 'utf8');

function component(yaml: string, name = 'app') {
  return effectiveComponent(loadPolicyConfig(yaml), undefined, name);
}

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isUpkeepError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'no error', message: '' };
}

describe('componentSourceConfig', () => {
  it('maps the seed node_exporter: repo, tag rules, download keys, architecture', () => {
    const mapped = componentSourceConfig(
      effectiveComponent(loadPolicyConfig(SEED), undefined, 'node_exporter'),
      { configDir: '/etc/upkeep' },
    );
    expect(mapped.spec).toEqual({
      kind: 'github',
      repo: 'prometheus/node_exporter',
      tagRules: { versionPattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+$' },
    });
    expect(mapped.download).toEqual({
      archiveType: 'tar.gz',
      archivePattern: 'node_exporter-{VERSION}.linux-amd64.tar.gz',
      checksumFile: 'sha256sums.txt',
      gpgSignature: false,
    });
    expect(mapped.platform).toEqual({ os: 'linux', arch: 'amd64' });
    expect(mapped.advisories).toBeUndefined();
  });

  it('maps GitLab, tag_prefix and the advisory package', () => {
    const mapped = componentSourceConfig(
      component(
        'components:\n  app:\n    gitlab_project: group/sub/app\n    tag_prefix: app-\n    advisories:\n      ecosystem: Go\n      package: example.com/app\n',
      ),
      { configDir: '/etc/upkeep' },
    );
    expect(mapped.spec).toEqual({
      kind: 'gitlab',
      project: 'group/sub/app',
      tagRules: { tagPrefix: 'app-' },
    });
    expect(mapped.advisories).toEqual({ ecosystem: 'Go', package: 'example.com/app' });
    expect(mapped.platform).toBeUndefined();
  });

  it.each([
    ['./mirror/app', '/etc/upkeep/mirror/app'],
    ['../mirror', '/etc/mirror'],
    ['/srv/mirror/app', '/srv/mirror/app'],
    ['file:///srv/mirror/app', 'file:///srv/mirror/app'],
    ['https://registry.example.test/app', 'https://registry.example.test/app'],
  ])('resolves the registry location %s against the config folder', (url, expected) => {
    const mapped = componentSourceConfig(
      component(`components:\n  app:\n    registry:\n      url: "${url}"\n`),
      {
        configDir: '/etc/upkeep',
      },
    );
    expect(mapped.spec).toStrictEqual({ kind: 'registry', url: expected });
  });

  it('defaults versions_format to json and needs a versions_url for a direct URL', () => {
    const ok = componentSourceConfig(
      component(
        'components:\n  app:\n    direct_url:\n      url_template: "https://dl.test/{VERSION}/app-{OS}-{ARCH}.tar.gz"\n      versions_url: https://dl.test/versions.json\n',
      ),
      { configDir: '/' },
    );
    expect(ok.spec).toMatchObject({ kind: 'direct-url', versionsFormat: 'json' });
    const missing = errorOf(() =>
      componentSourceConfig(
        component(
          'components:\n  app:\n    direct_url:\n      url_template: "https://dl.test/{VERSION}/app"\n',
        ),
        { configDir: '/' },
      ),
    );
    expect(missing.code).toBe('CONFIG_INVALID');
    expect(missing.message).toContain('components.app.direct_url.versions_url');
  });

  it('carries the download keys the installer reads: binary_path_in_archive, max_size_mb, signature_key', () => {
    const mapped = componentSourceConfig(
      component(
        'components:\n  app:\n    github_repo: a/b\n    download:\n      binary_path_in_archive: "app-{VERSION}/app"\n      binary_name: app\n      max_size_mb: 64\n      signature_key: keys/app.asc\n',
      ),
      { configDir: '/etc/upkeep' },
    );
    expect(mapped.binaryPathInArchive).toBe('app-{VERSION}/app');
    expect(mapped.download).toEqual({
      binaryName: 'app',
      maxSizeMb: 64,
      signatureKey: 'keys/app.asc',
    });
  });

  it('names the key of a bad architecture', () => {
    const bad = errorOf(() =>
      componentSourceConfig(
        component('components:\n  app:\n    github_repo: a/b\n    constraints:\n      architecture: amd64\n'),
        { configDir: '/' },
      ),
    );
    expect(bad).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(bad.message).toContain('components.app.constraints.architecture');
  });
});

describe('sourceSettingsFromConfig', () => {
  it('takes the environment overlay of the seed (staging cache_ttl, production offline)', () => {
    const config = loadPolicyConfig(SEED);
    const staging = resolveSourceSettings(sourceSettingsFromConfig(effectiveGlobal(config, 'staging')));
    expect(staging.github.cacheTtlSeconds).toBe(1800);
    expect(staging.offline).toBe(false);
    const production = resolveSourceSettings(sourceSettingsFromConfig(effectiveGlobal(config, 'production')));
    expect(production.offline).toBe(true);
  });

  it('carries base URLs, tokens and the --offline switch', () => {
    const config = loadPolicyConfig(
      'global:\n  github_api:\n    base_url: https://ghe.example.test/api/v3\n  gitlab_api:\n    base_url: https://gitlab.example.test\n  advisories:\n    osv_url: https://osv.example.test\n',
    );
    const token = new SecretValue('ghp_secret');
    const settings = resolveSourceSettings(
      sourceSettingsFromConfig(effectiveGlobal(config, undefined), { githubToken: token, offline: true }),
    );
    expect(settings.github.baseUrl).toBe('https://ghe.example.test/api/v3');
    expect(settings.github.token).toBe(token);
    expect(settings.gitlab.baseUrl).toBe('https://gitlab.example.test');
    expect(settings.osvUrl).toBe('https://osv.example.test');
    expect(settings.offline).toBe(true);
  });
});
