import { mkdtempSync, rmSync, writeFileSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runUpkeep, type ProcessResult } from '../support/run-process.ts';

const SEED = join(REPO_ROOT, 'examples/versions.seed.yaml');
const dir = mkdtempSync(join(tmpdir(), 'upkeep-cli-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function expectNoStack(result: ProcessResult): void {
  expect(result.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expect(result.stderr).not.toContain('internal error');
}

const releases = file(
  'releases.json',
  JSON.stringify([
    { version: 'v2.0.0', published_at: '2026-10-01T00:00:00Z', prerelease: false },
    { version: 'v1.8.2', published_at: '2026-09-01T00:00:00Z', prerelease: false },
    { version: 'v1.8.2-rc.1', published_at: '2026-08-20T00:00:00Z', prerelease: true },
    { version: 'v1.7.0', published_at: '2026-07-01T00:00:00Z', prerelease: false },
    { version: 'v1.6.0', published_at: '2026-06-01T00:00:00Z', prerelease: false },
    { version: 'latest', published_at: '2026-10-02T00:00:00Z', prerelease: false },
  ]),
);

describe('upkeep validate', () => {
  it('accepts the seed config unchanged', async () => {
    const result = await runUpkeep(['validate', '--config', SEED, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      components: ['node_exporter', 'promtail'],
    });
  });

  it.each([
    ['malformed YAML', 'components: [unclosed\n', /line/],
    ['a wrong type', 'global:\n  offline_mode: "sometimes"\n', /global\.offline_mode/],
    [
      'an unknown strategy',
      'components:\n  x:\n    strategy: newest\n    github_repo: a/b\n',
      /components\.x\.strategy: "newest" is not one of latest, pinned, lts, range, locked/,
    ],
    [
      'an invalid constraint',
      'components:\n  x:\n    strategy: range\n    constraint: ">=>1"\n    github_repo: a/b\n',
      /components\.x\.constraint/,
    ],
    [
      'an unknown key',
      'components:\n  x:\n    strategy: latest\n    github_repo: a/b\n    stratgy: pinned\n',
      /stratgy/,
    ],
    ['an empty file', '', /empty|no configuration/i],
  ])('refuses %s with exit 78 and the path of the problem', async (_name, text, pattern) => {
    const result = await runUpkeep(['validate', '--config', file('bad.yaml', text)]);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(pattern);
    expectNoStack(result);
  });

  it('reports every error of a file at once', async () => {
    const text =
      'components:\n  a:\n    strategy: newest\n    github_repo: a/b\n  b:\n    strategy: pinned\n    version: 1.x.y\n    github_repo: a/b\n';
    const result = await runUpkeep(['validate', '--config', file('two.yaml', text), '--json']);
    expect(result.code).toBe(78);
    const error = (
      JSON.parse(result.stderr) as { error: { code: string; details: { issues: { path: string }[] } } }
    ).error;
    expect(error.code).toBe('CONFIG_INVALID');
    const paths = error.details.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['components.a.strategy', 'components.b.version']));
  });

  it('refuses a 50 MB file before reading it', async () => {
    const path = join(dir, 'huge.yaml');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    const result = await runUpkeep(['validate', '--config', path]);
    expect(result.code).toBe(65);
    expect(result.stderr).toMatch(/over the 10485760-byte limit/);
    expectNoStack(result);
  });

  it('names a missing config file and how to give one', async () => {
    const result = await runUpkeep(['validate', '--config', join(dir, 'nope.yaml')]);
    expect(result.code).toBe(66);
    expect(result.stderr).toMatch(/nope\.yaml does not exist/);
    expect(result.stderr).toMatch(/--config/);
  });
});

describe('upkeep config show', () => {
  it('explains each effective value and the layer it came from', async () => {
    const result = await runUpkeep([
      'config',
      'show',
      '--config',
      SEED,
      '--env',
      'production',
      '--explain',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const values = (
      JSON.parse(result.stdout) as {
        values: { scope: string; path: string; value: unknown; layer: string }[];
      }
    ).values;
    const find = (scope: string, path: string) => values.find((v) => v.scope === scope && v.path === path);
    expect(find('global', 'offline_mode')).toMatchObject({ value: true, layer: 'environments.production' });
    expect(find('global', 'github_api.timeout')).toMatchObject({ value: 10, layer: 'global' });
    expect(find('components.node_exporter', 'version')).toMatchObject({
      value: '1.7.0',
      layer: 'environments.production.component_overrides.node_exporter',
    });
  });

  it('prints the human table by default', async () => {
    const result = await runUpkeep(['config', 'show', '--config', SEED, '--env', 'staging', '--explain']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/global\.github_api\.cache_ttl\s+1800\s+environments\.staging/);
  });

  it('names the known environments when given an unknown one', async () => {
    const result = await runUpkeep(['config', 'show', '--config', SEED, '--env', 'prod']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/production/);
  });
});

describe('upkeep decide', () => {
  it('exits 0 for a safe patch upgrade', async () => {
    const result = await runUpkeep([
      'decide',
      'node_exporter',
      '1.7.0',
      '1.7.1',
      '--config',
      SEED,
      '--installed',
      'prometheus=2.45.0',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ approved: true, risk_level: 'low' });
  });

  it('exits 2 for a major upgrade that removes a flag this host uses, and says so', async () => {
    const result = await runUpkeep([
      'decide',
      'node_exporter',
      '1.5.0',
      '2.0.0',
      '--config',
      SEED,
      '--installed',
      'prometheus=2.45.0',
      '--service-args',
      '/usr/local/bin/node_exporter --collector.diskstats --web.listen-address=:9100',
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/MANUAL APPROVAL/);
    expect(result.stdout).toMatch(/runs node_exporter with --collector\.diskstats, removed in 2\.0\.0/);
  });

  it('exits 1 for an excluded version, with its reason', async () => {
    const result = await runUpkeep([
      'decide',
      'node_exporter',
      '1.5.0',
      '1.6.0',
      '--config',
      SEED,
      '--installed',
      'prometheus=2.45.0',
      '--json',
    ]);
    expect(result.code).toBe(1);
    const decision = JSON.parse(result.stdout) as { action: string; explanation: string[] };
    expect(decision.action).toBe('reject');
    expect(decision.explanation.join(' ')).toMatch(/Known memory leak/);
  });

  it('exits 1 for a downgrade, and 0 when forced', async () => {
    const args = [
      'decide',
      'node_exporter',
      '1.7.0',
      '1.5.0',
      '--config',
      SEED,
      '--installed',
      'prometheus=2.45.0',
    ];
    expect((await runUpkeep(args)).code).toBe(1);
    expect((await runUpkeep([...args, '--force'])).code).toBe(0);
  });

  it('rejects a target inside an OSV affected range', async () => {
    const osv = file(
      'osv.json',
      JSON.stringify({
        id: 'GHSA-test-0001',
        summary: 'remote crash',
        affected: [
          {
            package: { ecosystem: 'Go', name: 'github.com/prometheus/node_exporter' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '1.7.1' }, { fixed: '1.7.3' }] }],
          },
        ],
      }),
    );
    const result = await runUpkeep([
      'decide',
      'node_exporter',
      '1.7.0',
      '1.7.2',
      '--config',
      SEED,
      '--installed',
      'prometheus=2.45.0',
      '--advisories',
      osv,
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      action: 'reject',
      advisories: [{ id: 'GHSA-test-0001', affects: 'target' }],
    });
  });

  it.each([
    [['decide', 'node_exporter', '1.7.0'], /missing required argument/],
    [['decide', 'node_exporter', 'one', '1.7.1'], /"one" is not a valid version/],
    [['decide', 'nodeexporter', '1.7.0', '1.7.1'], /node_exporter/],
    [['decide', 'node_exporter', '1.7.0', '1.7.1', '--installed', 'prometheus'], /NAME=VERSION/],
    [['decide', 'node_exporter', '1.7.0', '1.7.1', '--now', 'yesterday'], /ISO 8601/],
  ])('exits 64 for a usage mistake: %j', async (args, pattern) => {
    const result = await runUpkeep([...args, '--config', SEED]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(pattern);
    expectNoStack(result);
  });
});

describe('upkeep resolve', () => {
  it('picks the newest allowed release and says why newer ones were passed over', async () => {
    const result = await runUpkeep([
      'resolve',
      'node_exporter',
      '--config',
      SEED,
      '--releases',
      releases,
      '--json',
    ]);
    expect(result.code).toBe(0);
    const resolution = JSON.parse(result.stdout) as { version: string; skippedTags: { tag: string }[] };
    expect(resolution.version).toBe('2.0.0');
    expect(resolution.skippedTags.map((s) => s.tag)).toContain('latest');
  });

  it('follows the environment: production pins 1.7.0 and explains the pin', async () => {
    const result = await runUpkeep([
      'resolve',
      'node_exporter',
      '--config',
      SEED,
      '--env',
      'production',
      '--releases',
      releases,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/node_exporter: 1\.7\.0 by strategy pinned/);
    expect(result.stdout).toMatch(/2\.0\.0\s+not the pinned version 1\.7\.0/);
  });

  it('asks upstream without --releases; offline with no cache it names the component and the reason', async () => {
    const result = await runUpkeep([
      'resolve',
      'node_exporter',
      '--config',
      SEED,
      '--offline',
      '--state-dir',
      dir,
    ]);
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(
      /no cached data for node_exporter from https:\/\/api\.github\.com\/repos\/prometheus\/node_exporter/,
    );
    expect(result.stderr).toMatch(/offline mode is on/);
  });

  it('trusts a pin unverified, with a warning, when no release list can be had', async () => {
    const result = await runUpkeep([
      'resolve',
      'node_exporter',
      '--config',
      SEED,
      '--env',
      'production',
      '--state-dir',
      dir,
      '--json',
    ]);
    expect(result.code).toBe(0);
    const view = JSON.parse(result.stdout) as { version: string; freshness: unknown; warnings: string[] };
    expect(view.version).toBe('1.7.0');
    expect(view.freshness).toBeNull();
    expect(view.warnings).toEqual([expect.stringMatching(/pinned version is taken unverified/)]);
  });

  it('refuses a release list that is not JSON', async () => {
    const result = await runUpkeep([
      'resolve',
      'node_exporter',
      '--config',
      SEED,
      '--releases',
      file('r.json', '{nope'),
    ]);
    expect(result.code).toBe(65);
    expect(result.stderr).toMatch(/not valid JSON/);
  });
});
