import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isUpkeepError, type UpkeepError } from '@upkeep/errors';
import type { ConfigIssue } from './config-issue.ts';
import { loadPolicyConfig } from './load-policy-config.ts';

const APP = { github_repo: 'acme/app' };

/** YAML text for a config built from plain data. */
function yamlOf(data: unknown): string {
  return stringify(data);
}

function withApp(component: Record<string, unknown>, rest: Record<string, unknown> = {}): string {
  return yamlOf({ components: { app: { ...APP, ...component } }, ...rest });
}

function errorOf(text: string): UpkeepError {
  try {
    loadPolicyConfig(text, 'test.yaml');
  } catch (error) {
    if (!isUpkeepError(error)) throw error;
    expect(error.code).toBe('CONFIG_INVALID');
    return error;
  }
  return expect.unreachable('the config should have been refused');
}

function issuesOf(text: string): ConfigIssue[] {
  return (errorOf(text).details as { issues: ConfigIssue[] }).issues;
}

/** `path: message` lines, as an operator reads them. */
function problems(text: string): string[] {
  return issuesOf(text).map((issue) =>
    issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`,
  );
}

describe('loadPolicyConfig: a minimal file', () => {
  it('loads with every section present and empty', () => {
    const config = loadPolicyConfig(withApp({}), 'mine.yaml');
    expect(config).toEqual({
      global: {},
      components: { app: APP },
      environments: {},
      upgrade_policies: { pinned_versions: {}, excluded_versions: {} },
      breaking_changes: [],
      source: 'mine.yaml',
    });
  });

  it('accepts an empty section (all its keys commented out)', () => {
    const text =
      'global:\n  safety:\n    # compatibility_check: true\ncomponents:\n  app:\n    github_repo: acme/app\n';
    expect(loadPolicyConfig(text).global).toEqual({ safety: {} });
  });

  it('defaults the source name used in messages to versions.yaml', () => {
    try {
      loadPolicyConfig('components: 3');
    } catch (error) {
      expect(String(error)).toContain('versions.yaml');
      return;
    }
    expect.unreachable();
  });
});

describe('loadPolicyConfig: the shape of the error', () => {
  const text = [
    'global:',
    '  default_strategy: newest',
    'components:',
    '  node_exporter:',
    '    strategy: newest',
    '    github_repo: prometheus/node_exporter',
    '',
  ].join('\n');

  it('names the path, the bad value and the allowed values, with line and column', () => {
    const error = errorOf(text);
    expect(error.message).toContain(
      'test.yaml:5:15 components.node_exporter.strategy: "newest" is not one of latest, pinned, lts, range, locked',
    );
    expect(issuesOf(text)).toEqual([
      {
        path: 'global.default_strategy',
        message: '"newest" is not one of latest, pinned, lts, range, locked',
        line: 2,
        column: 21,
      },
      {
        path: 'components.node_exporter.strategy',
        message: '"newest" is not one of latest, pinned, lts, range, locked',
        line: 5,
        column: 15,
      },
    ]);
  });

  it('counts the problems and gives a hint', () => {
    const error = errorOf(text);
    expect(error.message).toMatch(/^test\.yaml is not valid \(2 problems\):\n/);
    expect(error.hint).toBeDefined();
    expect(error.details.source).toBe('test.yaml');
  });

  it('reports every problem of the file at once', () => {
    const many = withApp({
      strategy: 'newest',
      minimum_version: 'one',
      download: { archive_type: 'rar', max_size_mb: -1 },
      install: { binary_path: 'bin/app', mode: 755 },
      health_check: { type: 'ping', port: 70000 },
      stratgy: 'latest',
    });
    expect(problems(many)).toHaveLength(9);
  });

  it('lists at most 50 problems in the message but keeps all in details', () => {
    const components: Record<string, unknown> = {};
    for (let i = 0; i < 60; i++) components[`c${i}`] = { github_repo: 'a/b', strategy: 'nope' };
    const error = errorOf(yamlOf({ components }));
    expect((error.details as { issues: unknown[] }).issues).toHaveLength(60);
    expect(error.message).toContain('... and 10 more (see details.issues)');
  });
});

describe('loadPolicyConfig: text that is not a config', () => {
  it.each([
    ['an empty file', ''],
    ['only whitespace', '  \n\n'],
    ['only comments', '# nothing here\n'],
    ['an explicit null', '~\n'],
  ])('refuses %s as empty', (_, text) => {
    expect(problems(text)).toEqual(['is empty: expected a mapping with global, components, ...']);
  });

  it.each([
    ['- a\n- b\n', 'the top level is a list'],
    ['just text\n', 'the top level is "just text"'],
    ['42\n', 'the top level is 42'],
  ])('refuses a top level that is not a mapping (%j)', (text, expected) => {
    expect(problems(text)[0]).toContain(expected);
    expect(problems(text)[0]).toContain('expected a mapping with keys global, components');
  });

  it('reports malformed YAML with its line', () => {
    const issues = issuesOf('components:\n  app: [1, 2\nglobal: {}\n');
    expect(issues[0]?.message).toMatch(/^YAML error: /);
    expect(issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('refuses a duplicate key, at the duplicate', () => {
    const issues = issuesOf('components:\n  app:\n    github_repo: a/b\n    github_repo: c/d\n');
    expect(issues).toEqual([
      { path: '', message: 'duplicate key: Map keys must be unique', line: 4, column: 5 },
    ]);
  });

  it('refuses tabs as indentation', () => {
    expect(problems('components:\n\tapp: {}\n')[0]).toContain('Tabs are not allowed');
  });

  it('refuses several YAML documents in one file', () => {
    expect(problems('components: {}\n---\nglobal: {}\n')[0]).toContain('multiple documents');
  });

  it('refuses unknown YAML tags', () => {
    expect(problems('components:\n  app: !!js/function "x"\n')[0]).toContain('Unresolved tag');
  });

  it('refuses a billion-laughs alias bomb', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [name, previous] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
      ['g', 'f'],
    ]) {
      lines.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`);
    }
    const started = performance.now();
    const found = problems(`${lines.join('\n')}\n`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(found[0]).toContain('aliases that expand too much');
  });

  it('accepts a few aliases and merge keys', () => {
    const text = ['x-defaults: &defaults', '  archive_type: tar.gz', 'components: {}'].join('\n');
    // The anchor itself lives in an unknown top-level key, which is reported...
    expect(problems(text)).toEqual([
      'x-defaults: unknown key "x-defaults" (known keys: global, components, environments, upgrade_policies, breaking_changes)',
    ]);
    // ...while anchors inside known keys and `<<` merges work.
    const merged = [
      'components:',
      '  a: &base',
      '    github_repo: acme/a',
      '    download: {archive_type: zip}',
      '  b:',
      '    <<: *base',
      '    github_repo: acme/b',
    ].join('\n');
    expect(loadPolicyConfig(merged).components.b).toEqual({
      github_repo: 'acme/b',
      download: { archive_type: 'zip' },
    });
  });

  it('refuses text over the size limit before parsing it', () => {
    const huge = `components: {}\n#${'x'.repeat(10 * 1024 * 1024)}\n`;
    const started = performance.now();
    const found = problems(huge);
    expect(performance.now() - started).toBeLessThan(500);
    expect(found[0]).toMatch(/^is \d+ bytes, more than the 10485760-byte limit; nothing was parsed$/);
  });

  it('counts the size in bytes, not characters', () => {
    // 3.6 M characters of 3-byte UTF-8 are over 10 MB.
    const text = `# ${'€'.repeat(3_600_000)}\ncomponents: {}\n`;
    expect(problems(text)[0]).toContain('more than the 10485760-byte limit');
  });

  it('survives pathological nesting with a clear error', () => {
    const deep = `components: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`;
    expect(errorOf(deep).code).toBe('CONFIG_INVALID');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the reserved key %s', (key) => {
    const found = problems(`components:\n  ${key}:\n    github_repo: a/b\n`);
    expect(found).toEqual([`components.${key}: "${key}" is a reserved name and cannot be a key`]);
    expect(({} as Record<string, unknown>).github_repo).toBeUndefined();
  });

  it('refuses a key that is a list or mapping', () => {
    expect(problems('components:\n  ? [a, b]\n  : {}\n')[0]).toContain(
      'a key must be a plain name, not a list of 2',
    );
  });

  it('accepts a byte-order mark', () => {
    expect(loadPolicyConfig(`\uFEFF${withApp({})}`).components.app).toEqual(APP);
  });
});

describe('loadPolicyConfig: unknown keys', () => {
  it('suggests the key that was probably meant', () => {
    expect(problems(withApp({ stratgy: 'latest' }))).toEqual([
      'components.app.stratgy: unknown key "stratgy"; did you mean "strategy"?',
    ]);
  });

  it('lists the known keys when nothing is close', () => {
    const found = problems(yamlOf({ global: { github_api: { colour: 'blue' } }, components: {} }));
    expect(found).toEqual([
      'global.github_api.colour: unknown key "colour" (known keys: enabled, timeout, cache_ttl, rate_limit_threshold, base_url)',
    ]);
  });

  it('reports each unknown key on its own line', () => {
    const issues = issuesOf('components:\n  app:\n    github_repo: a/b\n    downlaod: {}\n    instal: {}\n');
    expect(issues.map((i) => [i.path, i.line, i.column])).toEqual([
      ['components.app.downlaod', 4, 5],
      ['components.app.instal', 5, 5],
    ]);
    expect(issues[0]?.message).toContain('did you mean "download"?');
  });

  it('finds unknown keys at every depth', () => {
    const found = problems(
      yamlOf({
        globl: {},
        components: { app: { ...APP, install: { comands: {} }, upgrade: { auto_upgrade: true } } },
        environments: { prod: { saftey: {} } },
        upgrade_policies: {
          maintenance_windows: {
            windows: [{ day: 'monday', start_time: '01:00', end_time: '02:00', tz: 'UTC' }],
          },
        },
        breaking_changes: [
          {
            component: 'app',
            from_version: '1.0.0',
            to_version: '2.0.0',
            change_type: 'api',
            description: 'x',
            severity: 'low',
            sevirity: 'high',
          },
        ],
      }),
    );
    expect(found).toEqual([
      'globl: unknown key "globl"; did you mean "global"?',
      'components.app.install.comands: unknown key "comands"; did you mean "commands"?',
      'components.app.upgrade.auto_upgrade: unknown key "auto_upgrade" (known keys: auto_upgrade_enabled, allowed_risk_levels, require_manual_approval_for_major, sync_version_with, allowed_version_drift, minimum_release_age)',
      'environments.prod.saftey: unknown key "saftey"; did you mean "safety"?',
      'upgrade_policies.maintenance_windows.windows[0].tz: unknown key "tz" (known keys: day, start_time, end_time, allowed_operations, timezone, groups, environments)',
      'breaking_changes[0].sevirity: unknown key "sevirity"; did you mean "severity"?',
    ]);
  });
});

describe('loadPolicyConfig: wrong types', () => {
  it.each([
    [{ global: { offline_mode: 'yes' } }, 'global.offline_mode: "yes" is not true or false (it is a string)'],
    [{ global: { offline_mode: null } }, 'global.offline_mode: null (an empty value) is not true or false'],
    [
      { global: { github_api: { rate_limit_threshold: 'ten' } } },
      'global.github_api.rate_limit_threshold: "ten" is not a number (it is a string)',
    ],
    [
      { global: { github_api: { rate_limit_threshold: 2.5 } } },
      'global.github_api.rate_limit_threshold: 2.5 is not a whole number (it is a number)',
    ],
    [{ global: { safety: [] } }, 'global.safety: a list of 0 is not a mapping (it is a list)'],
    [
      { global: { safety: { auto_upgrade: { allowed_risk_levels: 'low' } } } },
      'global.safety.auto_upgrade.allowed_risk_levels: "low" is not a list (it is a string)',
    ],
    [{ global: 'none' }, 'global: "none" is not a mapping (it is a string)'],
    [{ components: [] }, 'components: a list of 0 is not a mapping (it is a list)'],
    [{ breaking_changes: {} }, 'breaking_changes: a mapping is not a list (it is a mapping)'],
  ])('%j -> %s', (data, expected) => {
    expect(problems(yamlOf({ components: {}, ...data }))).toEqual([expected]);
  });

  it('explains numbers YAML read from unquoted versions', () => {
    expect(problems(withApp({ fallback_version: 1.7 }))).toEqual([
      'components.app.fallback_version: 1.7 was read by YAML as a number; write the version as a quoted string such as "1.7.0"',
    ]);
  });

  it.each([
    [
      { safety: { rollback: { retention_count: 0 } } },
      'global.safety.rollback.retention_count: 0 is less than the minimum 1',
    ],
    [
      { safety: { rollback: { max_size_mb: 0 } } },
      'global.safety.rollback.max_size_mb: 0 is not more than the minimum 0',
    ],
    [{ state_db: { path: '' } }, 'global.state_db.path: must not be empty'],
    [
      { github_api: { base_url: 'ftp://mirror' } },
      'global.github_api.base_url: "ftp://mirror" is not an http(s) URL such as "https://example.com"',
    ],
    [
      { advisories: { osv_url: 'not a url' } },
      'global.advisories.osv_url: "not a url" is not an http(s) URL such as "https://example.com"',
    ],
    [
      { metrics: { textfile_dir: 'relative/dir' } },
      'global.metrics.textfile_dir: "relative/dir" is not an absolute path (it must start with "/")',
    ],
    [
      { safety: { auto_upgrade: { allowed_risk_levels: ['low', 'extreme'] } } },
      'global.safety.auto_upgrade.allowed_risk_levels[1]: "extreme" is not one of low, medium, high',
    ],
  ])('global %j -> %s', (global, expected) => {
    expect(problems(yamlOf({ global, components: {} }))).toEqual([expected]);
  });
});

describe('loadPolicyConfig: durations', () => {
  it.each([
    [900, 900],
    ['90s', 90],
    ['15m', 900],
    ['72h', 259_200],
    ['7d', 604_800],
    ['1h30m', 5400],
    ['500ms', 0.5],
    ['120', 120],
  ])('cache_ttl %j is %d seconds', (value, seconds) => {
    const config = loadPolicyConfig(yamlOf({ global: { github_api: { cache_ttl: value } }, components: {} }));
    expect(config.global.github_api?.cache_ttl).toBe(seconds);
  });

  it.each([
    ['abc', '"abc" is not a duration; write seconds (900) or a number with a unit: 90s, 15m, 72h, 7d'],
    ['10y', '"10y" is not a duration'],
    [-5, '-5 is not a duration: it must be zero or more seconds'],
    [true, 'expected a duration'],
    ['9999w', 'longer than ten years'],
  ])('refuses %j', (value, expected) => {
    const found = problems(yamlOf({ global: { cache: { ttl: value } }, components: {} }));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`global.cache.ttl: `);
    expect(found[0]).toContain(expected);
  });

  it('refuses a zero timeout', () => {
    expect(problems(yamlOf({ global: { github_api: { timeout: '0s' } }, components: {} }))).toEqual([
      'global.github_api.timeout: must be more than zero',
    ]);
  });

  it('normalises component durations too', () => {
    const config = loadPolicyConfig(
      withApp({
        health_check: { type: 'tcp', port: 9100, timeout: '5s', interval: '1m', min_healthy_time: '2m' },
        upgrade: { minimum_release_age: '7d' },
      }),
    );
    expect(config.components.app?.health_check).toMatchObject({
      timeout: 5,
      interval: 60,
      min_healthy_time: 120,
    });
    expect(config.components.app?.upgrade?.minimum_release_age).toBe(604_800);
  });
});

describe('loadPolicyConfig: component keys', () => {
  const everything = {
    strategy: 'lts',
    lts_series: ['2.53', '3.5'],
    minimum_version: '2.53.0',
    fallback_version: 'v2.53.1',
    tag_prefix: 'app-',
    advisories: { ecosystem: 'Go', package: 'github.com/acme/app' },
    release_notes_breaking_patterns: ['(?i:breaking)', '^BREAKING CHANGE'],
    download: {
      archive_type: 'tar.xz',
      archive_pattern: 'app-{VERSION}.linux-amd64.tar.xz',
      binary_path_in_archive: 'app-{VERSION}/app',
      binary_name: 'app',
      checksum_file: 'SHA256SUMS',
      gpg_signature: true,
      signature_file: 'SHA256SUMS.asc',
      signature_key: '/etc/upkeep/keys/acme.asc',
      max_size_mb: 200,
    },
    install: {
      binary_path: '/usr/local/bin/app',
      config_path: '/etc/app/app.yaml',
      service_name: 'app',
      unit_path: '/etc/systemd/system/app.service',
      service_manager: 'systemd',
      commands: { start: ['systemctl', 'start', 'app'], status: ['systemctl', 'is-active', 'app'] },
      args: ['--web.listen-address=:9100', '--collector.systemd'],
      owner: 'app',
      group: 'app',
      mode: '0755',
    },
    health_check: {
      type: 'http',
      url: 'http://127.0.0.1:9100/metrics',
      expected_status: 200,
      body_contains: 'node_exporter_build_info',
      timeout: 5,
      retries: 3,
      interval: '2s',
      min_healthy_time: '30s',
    },
    version_check: { command: ['/usr/local/bin/app', '--version'], pattern: 'version ([0-9.]+)' },
    constraints: {
      architecture: 'linux-arm64',
      exclude_prereleases: false,
      version_pattern: '^app-[0-9.]+$',
    },
    compatible_with: { prometheus: '>=2.0.0', loki: '^2.9 || ^3.0' },
    upgrade: {
      auto_upgrade_enabled: true,
      allowed_risk_levels: ['low'],
      require_manual_approval_for_major: true,
      sync_version_with: 'loki',
      allowed_version_drift: '0.1.0',
      minimum_release_age: '3d',
    },
  };

  it('accepts every additive key', () => {
    const config = loadPolicyConfig(withApp(everything));
    expect(config.components.app).toMatchObject({
      ...everything,
      health_check: { ...everything.health_check, interval: 2, min_healthy_time: 30 },
      upgrade: { ...everything.upgrade, minimum_release_age: 259_200 },
    });
  });

  it.each([
    [{ gitlab_project: 'group/sub/project' }, 'group/sub/project'],
    [{ gitlab_project: 4242 }, '4242'],
    [
      {
        direct_url: {
          url_template: 'https://dl.acme.io/{VERSION}/app.tar.gz',
          versions_url: 'https://dl.acme.io/versions.json',
          versions_format: 'json',
        },
      },
      undefined,
    ],
    [{ registry: { url: 'https://registry.acme.io/app' } }, undefined],
    [{ registry: { url: 'file:///srv/mirror/app' } }, undefined],
    [{ registry: { url: '/srv/mirror/app' } }, undefined],
    [{ registry: { url: './mirror/app' } }, undefined],
  ])('accepts the source %j', (sourceKeys, gitlab) => {
    const config = loadPolicyConfig(yamlOf({ components: { app: sourceKeys } }));
    expect(config.components.app?.gitlab_project).toBe(gitlab);
  });

  it.each([
    [
      { github_repo: 'no-slash' },
      'components.app.github_repo: "no-slash" is not an OWNER/REPOSITORY name such as "prometheus/node_exporter"',
    ],
    [
      { gitlab_project: 'bad project' },
      'components.app.gitlab_project: "bad project" is not a GitLab project path such as "group/project" or a numeric project id',
    ],
    [
      { direct_url: { versions_format: 'xml' } },
      'components.app.direct_url.url_template: is required: the URL template such as "https://example.com/{VERSION}/app.tar.gz"',
    ],
    [
      { registry: { url: 'registry.acme.io' } },
      'components.app.registry.url: "registry.acme.io" is not a registry location: write an http(s) URL, a file:// URL, an absolute path or a path starting with "./"',
    ],
  ])('refuses the source %j', (sourceKeys, expected) => {
    expect(problems(yamlOf({ components: { app: sourceKeys } }))[0]).toContain(expected);
  });

  it('refuses a direct_url with a bad versions_format', () => {
    expect(
      problems(
        withApp({}).replace(
          'github_repo: acme/app',
          'direct_url: {url_template: "https://x.io/{VERSION}", versions_format: xml}',
        ),
      ),
    ).toEqual(['components.app.direct_url.versions_format: "xml" is not one of json, html']);
  });

  it.each([
    [
      { strategy: 'pined' },
      'components.app.strategy: "pined" is not one of latest, pinned, lts, range, locked; did you mean "pinned"?',
    ],
    [
      { version: 'latest' },
      'components.app.version: "latest" is not a version; write MAJOR.MINOR.PATCH such as "1.7.0" or "v2.9.3-rc.1"',
    ],
    [{ minimum_version: '1.x' }, 'components.app.minimum_version: "1.x" is not a version'],
    [
      { constraint: '>=1.7.0,<2.0.0', strategy: 'range' },
      'components.app.constraint: ">=1.7.0,<2.0.0" is not a version constraint',
    ],
    [
      { constraint: '^1.7 ||', strategy: 'range' },
      'components.app.constraint: "^1.7 ||" is not a version constraint',
    ],
    [
      { lts_series: [2.53], strategy: 'lts' },
      'components.app.lts_series[0]: 2.53 was read by YAML as a number; write the LTS line as a quoted string such as "2.53"',
    ],
    [
      { lts_series: ['2'], strategy: 'lts' },
      'components.app.lts_series[0]: "2" is not a MAJOR.MINOR line such as "2.53" or "3.5"',
    ],
    [{ tag_prefix: '' }, 'components.app.tag_prefix: must not be empty'],
    [{ advisories: { ecosystem: 'Go' } }, 'components.app.advisories.package: is required (a string)'],
    [
      { release_notes_breaking_patterns: ['(unclosed'] },
      'components.app.release_notes_breaking_patterns[0]: "(unclosed" is not a valid regular expression',
    ],
    [
      { constraints: { version_pattern: '[a-' } },
      'components.app.constraints.version_pattern: "[a-" is not a valid regular expression',
    ],
    [
      { download: { archive_type: 'rar' } },
      'components.app.download.archive_type: "rar" is not one of tar.gz, tar.xz, zip, binary',
    ],
    [
      { download: { max_size_mb: 0 } },
      'components.app.download.max_size_mb: 0 is not more than the minimum 0',
    ],
    [
      { download: { gpg_signature: 'yes' } },
      'components.app.download.gpg_signature: "yes" is not true or false',
    ],
    [
      { install: { mode: 755 } },
      'components.app.install.mode: 755 was read by YAML as a number; write the mode as a quoted string such as "0755"',
    ],
    [
      { install: { mode: '0999' } },
      'components.app.install.mode: "0999" is not an octal file mode such as "0755" or "0644"',
    ],
    [
      { install: { binary_path: '/usr/../etc/passwd' } },
      'components.app.install.binary_path: "/usr/../etc/passwd" must not contain ".." segments',
    ],
    [
      { install: { config_path: 'etc/app.yaml' } },
      'components.app.install.config_path: "etc/app.yaml" is not an absolute path',
    ],
    [
      { install: { service_manager: 'upstart' } },
      'components.app.install.service_manager: "upstart" is not one of systemd, command, none',
    ],
    [
      { install: { service_name: 'my app' } },
      'components.app.install.service_name: "my app" is not a service name',
    ],
    [{ install: { owner: 'Root!' } }, 'components.app.install.owner: "Root!" is not a user name'],
    [
      { install: { commands: { start: 'systemctl start app' } } },
      'components.app.install.commands.start: "systemctl start app" is a string; write the command as a list of arguments',
    ],
    [
      { install: { commands: { stop: [] } } },
      'components.app.install.commands.stop: a list of 0 is not a command; write a non-empty list of arguments',
    ],
    [
      { install: { commands: { stop: ['kill', 3] } } },
      'components.app.install.commands.stop: argument [1] 3 is not a non-empty string',
    ],
    [{ install: { args: 'a b' } }, 'components.app.install.args: "a b" is not a list'],
    [
      { health_check: { type: 'ping' } },
      'components.app.health_check.type: "ping" is not one of http, tcp, command',
    ],
    [
      { health_check: { type: 'tcp', port: 70_000 } },
      'components.app.health_check.port: 70000 is more than the maximum 65535',
    ],
    [
      { health_check: { type: 'http', url: 'http://x', expected_status: 99 } },
      'components.app.health_check.expected_status: 99 is less than the minimum 100',
    ],
    [
      { health_check: { type: 'tcp', port: 1, retries: -1 } },
      'components.app.health_check.retries: -1 is less than the minimum 0',
    ],
    [
      { version_check: { command: ['app', '--version'], pattern: 'version [0-9.]+' } },
      'components.app.version_check.pattern: "version [0-9.]+" has no capture group',
    ],
    [
      { compatible_with: { prometheus: 'two' } },
      'components.app.compatible_with.prometheus: "two" is not a version constraint',
    ],
    [
      { compatible_with: { 'bad name': '>=1.0.0' } },
      'components.app.compatible_with["bad name"]: "bad name" is not a valid component name',
    ],
    [
      { upgrade: { allowed_version_drift: '0.1' } },
      'components.app.upgrade.allowed_version_drift: "0.1" is not a drift; write MAJOR.MINOR.PATCH differences such as "0.1.0"',
    ],
    [
      { upgrade: { allowed_version_drift: 0.1 } },
      'components.app.upgrade.allowed_version_drift: 0.1 was read by YAML as a number',
    ],
    [
      { upgrade: { sync_version_with: 'a b' } },
      'components.app.upgrade.sync_version_with: "a b" is not a valid name',
    ],
    [
      { upgrade: { allowed_risk_levels: ['critical'] } },
      'components.app.upgrade.allowed_risk_levels[0]: "critical" is not one of low, medium, high',
    ],
  ])('%j -> %s', (component, expected) => {
    const found = problems(withApp(component));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });
});

describe('loadPolicyConfig: rules across keys', () => {
  it('needs exactly one release source', () => {
    expect(problems(yamlOf({ components: { app: { strategy: 'latest' } } }))).toEqual([
      'components.app: app has no release source; set one of github_repo, gitlab_project, direct_url, registry',
    ]);
    expect(problems(withApp({ registry: { url: 'https://r.io' } }))).toEqual([
      'components.app.registry: app has several release sources (github_repo, registry); keep exactly one',
    ]);
  });

  it.each([
    ['pinned', 'version'],
    ['range', 'constraint'],
    ['lts', 'lts_series'],
  ])('strategy %s needs %s', (strategy, key) => {
    const found = problems(withApp({ strategy }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      new RegExp(
        `^components\\.app\\.strategy: app uses strategy "${strategy}", which needs .*; set ${key} for the component`,
      ),
    );
  });

  it('an empty lts_series does not satisfy lts', () => {
    expect(problems(withApp({ strategy: 'lts', lts_series: [] }))[0]).toContain('which needs the LTS lines');
  });

  it('checks each environment, pointing at the key that chose the strategy', () => {
    const text = yamlOf({
      components: { app: APP },
      environments: { production: { default_strategy: 'pinned' } },
    });
    expect(issuesOf(text)).toEqual([
      {
        path: 'environments.production.default_strategy',
        message:
          'app in environment production uses strategy "pinned", which needs the exact version, e.g. version: "1.7.0"; set version for the component or choose another strategy',
        line: 6,
        column: 23,
      },
    ]);
  });

  it('accepts a pin given only in an environment override', () => {
    const text = yamlOf({
      components: { app: APP },
      environments: {
        production: { default_strategy: 'pinned', component_overrides: { app: { version: '1.2.3' } } },
      },
    });
    expect(() => loadPolicyConfig(text)).not.toThrow();
  });

  it('health checks need what their type needs', () => {
    expect(problems(withApp({ health_check: { type: 'http' } }))).toEqual([
      'components.app.health_check.type: health_check of type http needs url',
    ]);
    expect(problems(withApp({ health_check: { type: 'tcp' } }))[0]).toContain('needs port');
    expect(problems(withApp({ health_check: { type: 'command' } }))[0]).toContain('needs command');
    expect(problems(withApp({ health_check: { timeout: 5 } }))).toEqual([
      'components.app.health_check: health_check needs a type: one of http, tcp, command',
    ]);
  });

  it('refuses a fallback below the minimum', () => {
    expect(problems(withApp({ minimum_version: '1.5.0', fallback_version: '1.4.0' }))).toEqual([
      'components.app.fallback_version: fallback_version 1.4.0 is below minimum_version 1.5.0, so it could never be used',
    ]);
  });

  it('needs a key when signatures are checked', () => {
    expect(problems(withApp({ download: { gpg_signature: true } }))[0]).toContain(
      'download.signature_key is not set',
    );
  });

  it('refuses syncing a component with itself', () => {
    expect(problems(withApp({ upgrade: { sync_version_with: 'app' } }))).toEqual([
      'components.app.upgrade.sync_version_with: app cannot sync its version with itself',
    ]);
  });
});

describe('loadPolicyConfig: names that refer to components', () => {
  it.each([
    [
      { environments: { prod: { component_overrides: { ap: { strategy: 'latest' } } } } },
      'environments.prod.component_overrides.ap: "ap" is not a component defined under components; did you mean "app"?',
    ],
    [
      { upgrade_policies: { pinned_versions: { apps: '1.0.0' } } },
      'upgrade_policies.pinned_versions.apps: "apps" is not a component defined under components; did you mean "app"?',
    ],
    [
      { upgrade_policies: { excluded_versions: { zzz: [{ version: '1.0.0', reason: 'x' }] } } },
      'upgrade_policies.excluded_versions.zzz: "zzz" is not a component defined under components',
    ],
    [
      { global: { safety: { auto_upgrade: { exclude_components: ['ap'] } } } },
      'global.safety.auto_upgrade.exclude_components[0]: "ap" is not a component defined under components; did you mean "app"?',
    ],
    [
      { environments: { prod: { safety: { auto_upgrade: { exclude_components: ['nope'] } } } } },
      'environments.prod.safety.auto_upgrade.exclude_components[0]: "nope" is not a component',
    ],
  ])('%j -> %s', (rest, expected) => {
    const found = problems(yamlOf({ components: { app: APP }, ...rest }));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  it('refuses component and environment names unsafe in paths', () => {
    const found = problems(
      yamlOf({ components: { 'my app': APP, '../x': APP }, environments: { 'prod env': {} } }),
    );
    expect(found).toEqual([
      'components["my app"]: "my app" is not a valid component name: use letters, digits, "_" and "-" (at most 64)',
      'components["../x"]: "../x" is not a valid component name: use letters, digits, "_" and "-" (at most 64)',
      'environments["prod env"]: "prod env" is not a valid environment name: use letters, digits, "_" and "-" (at most 64)',
    ]);
  });

  it('lets compatible_with and breaking_changes name components managed elsewhere', () => {
    const config = loadPolicyConfig(
      yamlOf({
        components: {
          app: { ...APP, compatible_with: { prometheus: '>=2.0.0' }, upgrade: { sync_version_with: 'loki' } },
        },
        breaking_changes: [
          {
            component: 'loki',
            from_version: '2.9.0',
            to_version: '3.0.0',
            change_type: 'removal',
            description: 'x',
            severity: 'critical',
          },
        ],
      }),
    );
    expect(config.breaking_changes[0]?.component).toBe('loki');
  });
});

describe('loadPolicyConfig: upgrade policies', () => {
  const windows = (window: Record<string, unknown>, section: Record<string, unknown> = {}) =>
    yamlOf({
      components: {},
      upgrade_policies: { maintenance_windows: { enabled: true, ...section, windows: [window] } },
    });
  const sunday = { day: 'sunday', start_time: '02:00', end_time: '06:00' };

  it('fills each window time zone from the section, else UTC', () => {
    expect(
      loadPolicyConfig(windows(sunday)).upgrade_policies.maintenance_windows?.windows?.[0]?.timezone,
    ).toBe('UTC');
    expect(
      loadPolicyConfig(windows(sunday, { timezone: 'Europe/Paris' })).upgrade_policies.maintenance_windows
        ?.windows?.[0]?.timezone,
    ).toBe('Europe/Paris');
    expect(
      loadPolicyConfig(windows({ ...sunday, timezone: 'Asia/Tokyo' }, { timezone: 'Europe/Paris' }))
        .upgrade_policies.maintenance_windows?.windows?.[0]?.timezone,
    ).toBe('Asia/Tokyo');
  });

  it('reads day names in any case', () => {
    expect(
      loadPolicyConfig(windows({ ...sunday, day: 'Sunday' })).upgrade_policies.maintenance_windows
        ?.windows?.[0]?.day,
    ).toBe('sunday');
  });

  it('accepts a window crossing midnight and one ending at 24:00', () => {
    expect(() =>
      loadPolicyConfig(windows({ day: 'friday', start_time: '22:00', end_time: '02:00' })),
    ).not.toThrow();
    expect(() =>
      loadPolicyConfig(windows({ day: 'friday', start_time: '00:00', end_time: '24:00' })),
    ).not.toThrow();
  });

  it.each([
    [
      { ...sunday, day: 'sundy' },
      'windows[0].day: "sundy" is not one of monday, tuesday, wednesday, thursday, friday, saturday, sunday; did you mean "sunday"?',
    ],
    [{ ...sunday, day: 'weekend' }, 'windows[0].day: "weekend" is not one of monday'],
    [
      { ...sunday, start_time: '2:00' },
      'windows[0].start_time: "2:00" is not a time of day; write HH:MM in 24-hour form, from "00:00" to "23:59"',
    ],
    [{ ...sunday, start_time: '24:00' }, 'windows[0].start_time: "24:00" is not a time of day'],
    [
      { ...sunday, end_time: '25:00' },
      'windows[0].end_time: "25:00" is not a time of day; write HH:MM in 24-hour form, from "00:00" to "23:59" (or "24:00")',
    ],
    [
      { ...sunday, end_time: '02:00' },
      'windows[0].end_time: end_time equals start_time (02:00): the window is empty',
    ],
    [
      { ...sunday, timezone: 'Mars/Olympus' },
      'windows[0].timezone: "Mars/Olympus" is not an IANA time zone; write a name such as "UTC" or "Europe/Paris"',
    ],
    [
      { ...sunday, allowed_operations: ['upgrade', 'reboot'] },
      'windows[0].allowed_operations[1]: "reboot" is not one of install, upgrade, downgrade, rollback',
    ],
    [{ day: 'sunday' }, 'windows[0].start_time: is required: the time such as "02:00"'],
  ])('%j -> %s', (window, expected) => {
    const found = problems(windows(window));
    expect(found[0]).toContain(`upgrade_policies.maintenance_windows.${expected}`);
  });

  it('refuses a bad section time zone', () => {
    expect(problems(windows(sunday, { timezone: 'Paris' }))).toEqual([
      'upgrade_policies.maintenance_windows.timezone: "Paris" is not an IANA time zone; write a name such as "UTC" or "Europe/Paris"',
    ]);
  });

  it('loads pinned_versions written as null (the seed) and as a map', () => {
    expect(
      loadPolicyConfig('components: {}\nupgrade_policies:\n  pinned_versions:\n').upgrade_policies
        .pinned_versions,
    ).toEqual({});
    const config = loadPolicyConfig(
      yamlOf({ components: { app: APP }, upgrade_policies: { pinned_versions: { app: '1.6.0' } } }),
    );
    expect(config.upgrade_policies.pinned_versions).toEqual({ app: '1.6.0' });
  });

  it('refuses a bad pinned version', () => {
    expect(
      problems(
        yamlOf({ components: { app: APP }, upgrade_policies: { pinned_versions: { app: 'stable' } } }),
      ),
    ).toEqual([
      'upgrade_policies.pinned_versions.app: "stable" is not a version; write MAJOR.MINOR.PATCH such as "1.7.0" or "v2.9.3-rc.1"',
    ]);
  });

  it.each([
    [
      [{ reason: 'leak' }],
      'upgrade_policies.excluded_versions.app[0].version: is required: the version such as "1.7.0"',
    ],
    [[{ version: '1.6.0' }], 'upgrade_policies.excluded_versions.app[0].reason: is required'],
    [
      [{ version: '1.6', reason: 'x' }],
      'upgrade_policies.excluded_versions.app[0].version: "1.6" is not a version',
    ],
    ['1.6.0', 'upgrade_policies.excluded_versions.app: "1.6.0" is not a list'],
  ])('refuses the exclusion %j', (entries, expected) => {
    const found = problems(
      yamlOf({ components: { app: APP }, upgrade_policies: { excluded_versions: { app: entries } } }),
    );
    expect(found[0]).toContain(expected);
  });

  it('refuses unknown notification events', () => {
    expect(
      problems(
        yamlOf({ components: {}, upgrade_policies: { notifications: { notify_on: ['upgrade_sucess'] } } }),
      ),
    ).toEqual([
      'upgrade_policies.notifications.notify_on[0]: "upgrade_sucess" is not one of upgrade_available, upgrade_started, upgrade_success, upgrade_failure, upgrade_refused, approval_required, rollback_executed, security_advisory, rollout_paused, rollout_completed, rollout_aborted; did you mean "upgrade_success"?',
    ]);
  });
});

describe('loadPolicyConfig: breaking changes', () => {
  const change = {
    component: 'node_exporter',
    from_version: '1.5.0',
    to_version: '2.0.0',
    change_type: 'flag_removal',
    description: 'Removed deprecated --collector.diskstats flag',
    severity: 'high',
  };

  it('accepts flag and renamed_to', () => {
    const config = loadPolicyConfig(
      yamlOf({
        components: {},
        breaking_changes: [
          {
            ...change,
            change_type: 'flag_rename',
            flag: '--collector.diskstats',
            renamed_to: '--collector.diskstats.device-exclude',
          },
        ],
      }),
    );
    expect(config.breaking_changes[0]).toMatchObject({
      flag: '--collector.diskstats',
      renamed_to: '--collector.diskstats.device-exclude',
    });
  });

  it.each([
    [
      { change_type: 'deprecation' },
      'breaking_changes[0].change_type: "deprecation" is not one of flag_removal, flag_rename, config_change, api, behavior, removal, other',
    ],
    [
      { severity: 'severe' },
      'breaking_changes[0].severity: "severe" is not one of low, medium, high, critical',
    ],
    [{ from_version: 'old' }, 'breaking_changes[0].from_version: "old" is not a version'],
    [{ description: '' }, 'breaking_changes[0].description: must not be empty'],
    [{ component: undefined }, 'breaking_changes[0].component: is required: a name such as "node_exporter"'],
  ])('refuses %j', (patch, expected) => {
    const found = problems(yamlOf({ components: {}, breaking_changes: [{ ...change, ...patch }] }));
    expect(found[0]).toContain(expected);
  });
});
