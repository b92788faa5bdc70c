import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPolicyConfig } from '@upkeep/policy';
import { SecretValue } from '@upkeep/sources';
import { componentSourcesOf, sourceSettingsOf } from './component-source.ts';

const policy = (yaml: string) => loadPolicyConfig(yaml, '/etc/upkeep/versions.yaml');

describe('componentSourcesOf', () => {
  it('maps every source kind of versions.yaml, with tag rules, download and advisories', () => {
    const sources = componentSourcesOf(
      policy(`components:
  promtail:
    gitlab_project: grafana/promtail
    tag_prefix: promtail-
  node_exporter:
    github_repo: prometheus/node_exporter
    constraints:
      version_pattern: "^v[0-9.]+$"
    advisories: { ecosystem: Go, package: github.com/prometheus/node_exporter }
    download:
      archive_pattern: "node_exporter-{VERSION}.linux-{ARCH}.tar.gz"
      checksum_file: sha256sums.txt
      max_size_mb: 50
  mirror:
    registry: { url: https://mirror.example/mirror }
  direct:
    direct_url:
      url_template: "https://dl.example/x-{VERSION}.tar.gz"
      versions_url: https://dl.example/versions.json
`),
      '/etc/upkeep/versions.yaml',
    );
    expect(sources.map((source) => source.name)).toEqual(['direct', 'mirror', 'node_exporter', 'promtail']);
    expect(sources[0]?.spec).toEqual({
      kind: 'direct-url',
      urlTemplate: 'https://dl.example/x-{VERSION}.tar.gz',
      versionsUrl: 'https://dl.example/versions.json',
      versionsFormat: 'json',
    });
    expect(sources[2]).toEqual({
      name: 'node_exporter',
      spec: { kind: 'github', repo: 'prometheus/node_exporter', tagRules: { versionPattern: '^v[0-9.]+$' } },
      download: {
        archivePattern: 'node_exporter-{VERSION}.linux-{ARCH}.tar.gz',
        checksumFile: 'sha256sums.txt',
        maxSizeMb: 50,
      },
      advisories: { ecosystem: 'Go', package: 'github.com/prometheus/node_exporter' },
    });
    expect(sources[3]?.spec).toEqual({
      kind: 'gitlab',
      project: 'grafana/promtail',
      tagRules: { tagPrefix: 'promtail-' },
    });
  });

  it('reads the seed config unchanged', () => {
    const path = fileURLToPath(new URL('../../../../examples/versions.seed.yaml', import.meta.url));
    const sources = componentSourcesOf(loadPolicyConfig(readFileSync(path, 'utf8'), path), path);
    expect(sources.map((source) => [source.name, source.spec.kind])).toEqual([
      ['node_exporter', 'github'],
      ['promtail', 'github'],
    ]);
  });

  it('leaves advisories out when global.advisories.enabled is false', () => {
    const [source] = componentSourcesOf(
      policy(`global:
  advisories: { enabled: false }
components:
  node_exporter:
    github_repo: prometheus/node_exporter
    advisories: { ecosystem: Go, package: github.com/prometheus/node_exporter }
`),
      '/etc/upkeep/versions.yaml',
    );
    expect(source?.advisories).toBeUndefined();
  });

  it('names a direct_url without versions_url', () => {
    expect(() =>
      componentSourcesOf(
        policy(`components:
  direct:
    direct_url: { url_template: "https://dl.example/x-{VERSION}.tar.gz" }
`),
        '/etc/upkeep/versions.yaml',
      ),
    ).toThrow('components.direct.direct_url.versions_url is required');
  });
});

describe('sourceSettingsOf', () => {
  it('takes API base URLs, TTLs and the OSV URL from global', () => {
    const settings = sourceSettingsOf(
      policy(`global:
  github_api: { base_url: "http://127.0.0.1:9999", cache_ttl: 60 }
  cache: { ttl: 120, max_age: 3600 }
  advisories: { osv_url: "http://127.0.0.1:9998" }
  offline_mode: true
components: {}
`),
    );
    expect(settings.github.baseUrl).toBe('http://127.0.0.1:9999');
    expect(settings.github.cacheTtlSeconds).toBe(60);
    expect(settings.cache).toEqual({ ttlSeconds: 120, maxAgeSeconds: 3600 });
    expect(settings.osvUrl).toBe('http://127.0.0.1:9998');
    expect(settings.offline).toBe(true);
  });

  it('passes the upstream tokens on, redacted', () => {
    const settings = sourceSettingsOf(policy('components: {}\n'), { github: new SecretValue('ghp_x') });
    expect(settings.github.token?.reveal()).toBe('ghp_x');
    expect(JSON.stringify(settings)).not.toContain('ghp_x');
    expect(settings.gitlab.token).toBeUndefined();
  });
});
