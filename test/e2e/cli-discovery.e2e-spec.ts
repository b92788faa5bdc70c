import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUpkeep, type ProcessResult } from '../support/run-process.ts';
import {
  checksumFile,
  sha256Hex,
  startUpstream,
  tarGz,
  type Upstream,
  type UpstreamRelease,
} from '../support/upstream/index.ts';

// The discovery commands of issue 3, run as real `upkeep` processes against the local
// upstream (GitHub, GitLab and OSV APIs with real archives and checksum files).

const TOKEN = 'ghp_e2eDiscoveryToken0123456789';
const root = mkdtempSync(join(tmpdir(), 'upkeep-discovery-'));
let counter = 0;
let upstream: Upstream;

/** A fresh folder under the test root. */
function folder(name: string): string {
  counter += 1;
  return mkdtempSync(join(root, `${name}-${counter}-`));
}

/** The process environment of a run: no token, no config from the developer's shell. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', HOME: root, ...extra };
}

function upkeep(args: readonly string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  return runUpkeep(args, { env: cleanEnv(env) });
}

function json(result: ProcessResult): unknown {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

function errorOf(result: ProcessResult): {
  code: string;
  message: string;
  hint?: string;
  details: Record<string, unknown>;
} {
  return (JSON.parse(result.stderr) as { error: ReturnType<typeof errorOf> }).error;
}

function expectNoStack(result: ProcessResult): void {
  expect(result.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expect(result.stderr).not.toContain('internal error');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Built {
  readonly release: UpstreamRelease;
  readonly archives: Record<string, Uint8Array>;
}

/** A release with real archives for linux-amd64 and linux-arm64 and a GNU sha256sums.txt. */
function build(
  name: string,
  version: string,
  options: {
    body?: string;
    prerelease?: boolean;
    published_at?: string;
    pattern?: (os: string, arch: string) => string;
  } = {},
): Built {
  const pattern = options.pattern ?? ((os, arch) => `${name}-${version}.${os}-${arch}.tar.gz`);
  const archives: Record<string, Uint8Array> = {};
  for (const arch of ['amd64', 'arm64']) {
    const file = pattern('linux', arch);
    archives[file] = tarGz([
      {
        path: `${name}-${version}.linux-${arch}/${name}`,
        content: `#!/bin/sh\necho ${name} ${version} ${arch}\n`,
      },
    ]);
  }
  const files = Object.entries(archives).map(([n, content]) => ({ name: n, content }));
  return {
    archives,
    release: {
      tag: `v${version}`,
      body: options.body ?? `* [ENHANCEMENT] ${name} ${version}`,
      prerelease: options.prerelease ?? false,
      ...(options.published_at === undefined ? {} : { published_at: options.published_at }),
      assets: [...files, { name: 'sha256sums.txt', content: checksumFile(files) }],
    },
  };
}

const NODE_EXPORTER = {
  rc: build('node_exporter', '1.9.0-rc.0', { prerelease: true, published_at: '2024-06-01T00:00:00Z' }),
  v180: build('node_exporter', '1.8.0', {
    body: '## Breaking changes\n\n* [CHANGE] Removed the --collector.foo flag #123\n\n## Features\n\n* [FEATURE] New bar collector',
    published_at: '2024-05-01T00:00:00Z',
  }),
  v170: build('node_exporter', '1.7.0', { published_at: '2024-03-01T00:00:00Z' }),
  v160: build('node_exporter', '1.6.0', { published_at: '2024-01-01T00:00:00Z' }),
};
const TOOL = {
  v210: build('tool', '2.1.0', { published_at: '2024-05-02T00:00:00Z' }),
  v200: build('tool', '2.0.0', { published_at: '2024-04-02T00:00:00Z' }),
};
const APP_V100 = build('app', '1.0.0', { published_at: '2024-02-01T00:00:00Z' });

const OSV_RECORD = {
  id: 'GHSA-e2e0-0001-test',
  summary: 'memory leak in the foo collector',
  modified: '2024-05-02T00:00:00Z',
  affected: [
    {
      package: { ecosystem: 'Go', name: 'github.com/prometheus/node_exporter' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.8.0' }] }],
    },
  ],
};

/** The main test config: node_exporter on GitHub (latest) and tool on GitLab (pinned). */
function mainConfig(
  dir: string,
  options: { ttl?: number; threshold?: number; extraGlobal?: string } = {},
): string {
  const ttl = options.ttl ?? 900;
  const path = join(dir, 'versions.yaml');
  writeFileSync(
    path,
    `global:
  github_api:
    base_url: ${upstream.url}
    cache_ttl: ${ttl}
    rate_limit_threshold: ${options.threshold ?? 10}
  gitlab_api:
    base_url: ${upstream.url}
    cache_ttl: ${ttl}
  cache:
    ttl: ${ttl}
  advisories:
    osv_url: ${upstream.url}
  state_db:
    path: ${join(dir, 'state', 'state.db')}
${options.extraGlobal ?? ''}
components:
  node_exporter:
    strategy: latest
    github_repo: prometheus/node_exporter
    minimum_version: "1.5.0"
    advisories:
      ecosystem: Go
      package: github.com/prometheus/node_exporter
    download:
      archive_type: tar.gz
      archive_pattern: "node_exporter-{VERSION}.{OS}-{ARCH}.tar.gz"
      checksum_file: sha256sums.txt
    constraints:
      architecture: linux-amd64
      version_pattern: "^v?[0-9]+\\\\.[0-9]+\\\\.[0-9]+(-rc\\\\.[0-9]+)?$"
  tool:
    strategy: pinned
    version: "2.0.0"
    gitlab_project: infra/tool
    download:
      archive_pattern: "tool-{VERSION}.{OS}-{ARCH}.tar.gz"
    constraints:
      architecture: linux-amd64
upgrade_policies:
  excluded_versions:
    node_exporter:
      - version: "1.6.0"
        reason: Known memory leak
`,
  );
  return path;
}

/** A config of one GitHub component. */
function oneComponentConfig(dir: string, body: string, globalExtra = ''): string {
  const path = join(dir, 'versions.yaml');
  writeFileSync(
    path,
    `global:
  github_api:
    base_url: ${upstream.url}
${globalExtra}
components:
${body}`,
  );
  return path;
}

beforeAll(async () => {
  upstream = await startUpstream({
    github: {
      'prometheus/node_exporter': [
        NODE_EXPORTER.rc.release,
        NODE_EXPORTER.v180.release,
        NODE_EXPORTER.v170.release,
        { tag: 'latest', body: 'moving tag', assets: [] },
        NODE_EXPORTER.v160.release,
      ],
      'acme/app': [APP_V100.release],
      'acme/darwin-only': [
        {
          tag: 'v1.0.0',
          assets: [
            { name: 'darwin-only-1.0.0.darwin-arm64.tar.gz', content: 'mac' },
            {
              name: 'sha256sums.txt',
              content: `${sha256Hex('mac')}  darwin-only-1.0.0.darwin-arm64.tar.gz\n`,
            },
          ],
        },
      ],
      'acme/broken': [build('broken', '1.0.0').release],
      'corp/tool': Array.from({ length: 120 }, (_, i) => ({ tag: `v1.${119 - i}.0`, assets: [] })),
    },
    gitlab: { 'infra/tool': [TOOL.v210.release, TOOL.v200.release] },
    osv: [OSV_RECORD],
    token: TOKEN,
  });
});

afterAll(async () => {
  await upstream.close();
  rmSync(root, { recursive: true, force: true });
});

describe('upkeep versions', () => {
  it('lists every release newest first, hides prereleases, and names the skipped tags', async () => {
    const dir = folder('versions');
    const result = await upkeep(['versions', 'node_exporter', '--config', mainConfig(dir), '--json']);
    expect(result.code).toBe(0);
    const view = json(result) as {
      releases: { version: string; tag: string; published_at: string; prerelease: boolean }[];
      prereleases_hidden: number;
      skipped: { tag: string; reason: string }[];
      freshness: { origin: string };
    };
    expect(view.releases.map((r) => r.version)).toEqual(['1.8.0', '1.7.0', '1.6.0']);
    expect(view.releases[0]).toMatchObject({
      tag: 'v1.8.0',
      published_at: '2024-05-01T00:00:00.000Z',
      prerelease: false,
    });
    expect(view.prereleases_hidden).toBe(1);
    expect(view.skipped).toEqual([
      { tag: 'latest', reason: expect.stringContaining('version_pattern') as string },
    ]);
    expect(view.freshness.origin).toBe('network');

    const all = await upkeep([
      'versions',
      'node_exporter',
      '--config',
      join(dir, 'versions.yaml'),
      '--include-prereleases',
    ]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/1\.9\.0-rc\.0\s+2024-06-01\s+prerelease/);
    expect(all.stdout).toMatch(/tags skipped:\n\s+latest/);
  });

  it('reuses the SQLite cache in a second process: no upstream request inside the TTL', async () => {
    const dir = folder('warm');
    const config = mainConfig(dir);
    const first = await upkeep(['versions', 'node_exporter', '--config', config, '--json']);
    expect(first.code).toBe(0);
    expect(existsSync(join(dir, 'state', 'state.db'))).toBe(true);
    upstream.requests.clear();
    const second = await upkeep(['versions', 'node_exporter', '--config', config, '--json']);
    expect(second.code).toBe(0);
    expect(upstream.requests.count()).toBe(0);
    expect((json(second) as { freshness: { origin: string } }).freshness.origin).toBe('cache');
  });

  it('keeps the cache in --state-dir when given', async () => {
    const dir = folder('statedir');
    const stateDir = join(dir, 'elsewhere');
    const result = await upkeep([
      'versions',
      'node_exporter',
      '--config',
      mainConfig(dir),
      '--state-dir',
      stateDir,
    ]);
    expect(result.code).toBe(0);
    expect(existsSync(join(stateDir, 'state.db'))).toBe(true);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });
});

describe('upkeep latest', () => {
  it('prints the newest version alone, or the newest within a constraint', async () => {
    const config = mainConfig(folder('latest'));
    const newest = await upkeep(['latest', 'node_exporter', '--config', config]);
    expect(newest.code).toBe(0);
    expect(newest.stdout).toBe('1.8.0\n');
    const within = await upkeep([
      'latest',
      'node_exporter',
      '--config',
      config,
      '--constraint',
      '>=1.6.0 <1.8.0',
      '--json',
    ]);
    expect(json(within) as { version: string; tag: string; constraint: string }).toMatchObject({
      version: '1.7.0',
      tag: 'v1.7.0',
      constraint: '>=1.6.0 <1.8.0',
    });
    const rc = await upkeep(['latest', 'node_exporter', '--config', config, '--include-prereleases']);
    expect(rc.stdout).toBe('1.9.0-rc.0\n');
  });

  it('fails clearly when nothing satisfies the constraint', async () => {
    const result = await upkeep([
      'latest',
      'node_exporter',
      '--config',
      mainConfig(folder('none')),
      '--constraint',
      '>=5.0.0',
    ]);
    expect(result.code).toBe(65);
    expect(result.stderr).toMatch(/no release of node_exporter satisfies ">=5\.0\.0"/);
    expect(result.stderr).toMatch(/newest releases: 1\.9\.0-rc\.0, 1\.8\.0/);
    expectNoStack(result);
  });
});

describe('upkeep release', () => {
  it('gives the asset for the host with why, its URL, size and the sha256 of the checksum file', async () => {
    const config = mainConfig(folder('release'));
    const result = await upkeep(['release', 'node_exporter', '1.8.0', '--config', config, '--json']);
    expect(result.code).toBe(0);
    const view = json(result) as {
      tag: string;
      asset: { name: string; url: string; size: number; matched_by: string; reason: string };
      checksum: { sha256: string; source: string; file: string };
      signature: unknown;
      breaking_changes: string[];
      notes: string;
      platform: { os: string; arch: string };
    };
    const name = 'node_exporter-1.8.0.linux-amd64.tar.gz';
    const archive = NODE_EXPORTER.v180.archives[name]!;
    expect(view.tag).toBe('v1.8.0');
    expect(view.platform).toEqual({ os: 'linux', arch: 'amd64' });
    expect(view.asset).toMatchObject({ name, size: archive.length, matched_by: 'archive_pattern' });
    expect(view.asset.reason).toContain('archive_pattern');
    expect(view.checksum).toMatchObject({
      sha256: sha256Hex(archive),
      source: 'checksum-file',
      file: 'sha256sums.txt',
    });
    expect(view.signature).toBeNull();
    expect(view.breaking_changes).toEqual([expect.stringContaining('Removed the --collector.foo flag')]);
    expect(view.notes).toContain('New bar collector');
    // The URL serves exactly the bytes the checksum names.
    const bytes = new Uint8Array(await (await fetch(view.asset.url)).arrayBuffer());
    expect(sha256Hex(bytes)).toBe(view.checksum.sha256);
  });

  it('chooses for another platform with --platform, and prints it for people', async () => {
    const config = mainConfig(folder('release-arm'));
    const result = await upkeep([
      'release',
      'node_exporter',
      'v1.7.0',
      '--config',
      config,
      '--platform',
      'linux-aarch64',
    ]);
    expect(result.code).toBe(0);
    const name = 'node_exporter-1.7.0.linux-arm64.tar.gz';
    expect(result.stdout).toContain(`asset:      ${name} for linux-arm64`);
    expect(result.stdout).toContain(
      `sha256:     ${sha256Hex(NODE_EXPORTER.v170.archives[name]!)} (from sha256sums.txt)`,
    );
  });

  it('fails clearly for a release with no asset for this platform', async () => {
    const dir = folder('noasset');
    const config = oneComponentConfig(
      dir,
      '  darwin-only:\n    github_repo: acme/darwin-only\n    constraints:\n      architecture: linux-amd64\n',
    );
    const result = await upkeep([
      'release',
      'darwin-only',
      '1.0.0',
      '--config',
      config,
      '--state-dir',
      dir,
      '--json',
    ]);
    expect(result.code).toBe(65);
    const error = errorOf(result);
    expect(error.code).toBe('ASSET_NOT_FOUND');
    expect(error.message).toMatch(/linux/);
    expect(error.message).toContain('darwin-only-1.0.0.darwin-arm64.tar.gz');
    expectNoStack(result);
  });

  it('names the newest releases when the version does not exist', async () => {
    const result = await upkeep([
      'release',
      'node_exporter',
      '9.9.9',
      '--config',
      mainConfig(folder('nover')),
    ]);
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/node_exporter has no release "9\.9\.9"/);
    expect(result.stderr).toMatch(/hint: newest releases: v1\.9\.0-rc\.0, v1\.8\.0/);
  });
});

describe('upkeep changelog', () => {
  it('gives the notes between two versions, oldest first, with the breaking changes pulled out', async () => {
    const config = mainConfig(folder('changelog'));
    const result = await upkeep([
      'changelog',
      'node_exporter',
      '1.6.0',
      '1.8.0',
      '--config',
      config,
      '--json',
    ]);
    expect(result.code).toBe(0);
    const view = json(result) as {
      direction: string;
      entries: { version: string }[];
      breaking_changes: { version: string; text: string }[];
    };
    expect(view.direction).toBe('upgrade');
    expect(view.entries.map((e) => e.version)).toEqual(['1.7.0', '1.8.0']);
    expect(view.breaking_changes).toEqual([
      { version: '1.8.0', text: expect.stringContaining('--collector.foo') as string },
    ]);

    const human = await upkeep(['changelog', 'node_exporter', '1.6.0', '1.8.0', '--config', config]);
    expect(human.stdout).toMatch(/^# node_exporter 1\.6\.0 → 1\.8\.0\n\n## Breaking changes\n\n- 1\.8\.0: /);
    expect(human.stdout).toContain('## v1.7.0 (2024-03-01)');
  });
});

describe('upkeep resolve (live)', () => {
  it('resolves from the upstream list when no --releases file is given', async () => {
    const config = mainConfig(folder('resolve'));
    const result = await upkeep(['resolve', 'node_exporter', '--config', config, '--json']);
    expect(result.code).toBe(0);
    const view = json(result) as {
      version: string;
      strategy: string;
      passedOver: { version: string; reason: string }[];
      freshness: { origin: string };
      warnings: string[];
    };
    expect(view).toMatchObject({
      version: '1.8.0',
      strategy: 'latest',
      freshness: { origin: 'network' },
      warnings: [],
    });
    expect(view.passedOver).toEqual([
      { version: '1.9.0-rc.0', reason: expect.stringContaining('prerelease') as string },
    ]);
  });

  it('resolves a pinned GitLab component and says why newer releases were passed over', async () => {
    const result = await upkeep(['resolve', 'tool', '--config', mainConfig(folder('resolve-gl'))]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^tool: 2\.0\.0 by strategy pinned/);
    expect(result.stdout).toMatch(/2\.1\.0\s+not the pinned version 2\.0\.0/);
  });
});

describe('upkeep check', () => {
  it('checks every component: current, strategy, target, newest, decision and advisories', async () => {
    const dir = folder('check');
    const result = await upkeep([
      'check',
      '--config',
      mainConfig(dir),
      '--installed',
      'node_exporter=1.7.0',
      '--now',
      '2024-06-15T12:00:00Z',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const view = json(result) as {
      checked_at: string;
      components: {
        component: string;
        ok: boolean;
        strategy: string;
        pin: string | null;
        current_version: string | null;
        current_from: string;
        target: { version: string };
        newest: { version: string } | null;
        update_available: boolean;
        newer_than_target: boolean;
        advisories: { consulted: boolean; records: number };
        decision: {
          action: string;
          security_fix: boolean;
          advisories: { id: string; affects: string }[];
          current_version: string | null;
        };
      }[];
    };
    expect(view.checked_at).toBe('2024-06-15T12:00:00.000Z');
    const [node, tool] = view.components;
    expect(node).toMatchObject({
      component: 'node_exporter',
      ok: true,
      strategy: 'latest',
      pin: null,
      current_version: '1.7.0',
      current_from: 'installed',
      target: { version: '1.8.0' },
      newest: { version: '1.8.0' },
      update_available: true,
      newer_than_target: false,
      advisories: { consulted: true, records: 1 },
    });
    expect(node?.decision.security_fix).toBe(true);
    expect(node?.decision.advisories).toEqual([
      expect.objectContaining({ id: OSV_RECORD.id, affects: 'current' }),
    ]);
    expect(tool).toMatchObject({
      component: 'tool',
      strategy: 'pinned',
      pin: '2.0.0',
      current_version: null,
      current_from: 'none',
      target: { version: '2.0.0' },
      newest: { version: '2.1.0' },
      newer_than_target: true,
    });
    expect(tool?.decision.current_version).toBeNull();
  });

  it('prints a table for people', async () => {
    const result = await upkeep([
      'check',
      '--config',
      mainConfig(folder('check-human')),
      '--installed',
      'tool=2.0.0',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/COMPONENT\s+CURRENT\s+STRATEGY\s+TARGET\s+NEWEST\s+DECISION/);
    expect(result.stdout).toMatch(/node_exporter\s+none\s+latest\s+1\.8\.0\s+1\.8\.0\s+\S/);
    expect(result.stdout).toMatch(/tool\s+2\.0\.0\s+pinned 2\.0\.0\s+2\.0\.0\s+2\.1\.0\s+up to date/);
  });

  it('reports a failing component and still checks the others', async () => {
    const dir = folder('check-fail');
    const config = oneComponentConfig(
      dir,
      '  app:\n    github_repo: acme/app\n  missing:\n    github_repo: acme/does-not-exist\n',
    );
    const result = await upkeep(['check', '--config', config, '--state-dir', dir, '--json']);
    expect(result.code).toBe(69);
    const view = json(result) as {
      components: { component: string; ok: boolean; error?: { code: string } }[];
    };
    expect(view.components.find((c) => c.component === 'app')?.ok).toBe(true);
    expect(view.components.find((c) => c.component === 'missing')).toMatchObject({
      ok: false,
      error: { code: 'UPSTREAM_NOT_FOUND' },
    });
  });
});

describe('upkeep lock', () => {
  const appRelease = (version: string) => build('app', version, { published_at: '2024-07-01T00:00:00Z' });

  function appConfig(dir: string, strategy: string): string {
    return oneComponentConfig(
      dir,
      `  app:\n    strategy: ${strategy}\n    github_repo: acme/app\n    download:\n      archive_pattern: "app-{VERSION}.{OS}-{ARCH}.tar.gz"\n    constraints:\n      architecture: linux-amd64\n`,
      `  state_db:\n    path: ${join(dir, 'state.db')}\n`,
    );
  }

  it('writes versions.lock, never changes an entry without --update (drift), and moves it with --update', async () => {
    upstream.setReleases('github', 'acme/app', [APP_V100.release]);
    const dir = folder('lock');
    const config = appConfig(dir, 'latest');
    const lockPath = join(dir, 'versions.lock');

    const first = await upkeep(['lock', '--config', config, '--json']);
    expect(first.code).toBe(0);
    expect(json(first) as { written: boolean; components: { status: string }[] }).toMatchObject({
      written: true,
      components: [{ component: 'app', status: 'added' }],
    });
    const archive = APP_V100.archives['app-1.0.0.linux-amd64.tar.gz']!;
    const written = readFileSync(lockPath, 'utf8');
    expect(written).toContain('version: "1.0.0"');
    expect(written).toContain(`sha256: "${sha256Hex(archive)}"`);
    expect(written).toContain(
      `url: "${upstream.url}/gh-download/acme/app/v1.0.0/app-1.0.0.linux-amd64.tar.gz"`,
    );

    const v110 = appRelease('1.1.0');
    upstream.addRelease('github', 'acme/app', v110.release);
    const drift = await upkeep(['lock', '--config', config, '--state-dir', join(dir, 'fresh-cache')]);
    expect(drift.code).toBe(0);
    expect(drift.stdout).toMatch(
      /app\s+DRIFT: locked 1\.0\.0, resolves to 1\.1\.0 \(strategy latest\) now; kept/,
    );
    expect(drift.stdout).toMatch(/versions\.lock: not changed/);
    expect(readFileSync(lockPath, 'utf8')).toBe(written);

    const update = await upkeep([
      'lock',
      '--update',
      '--config',
      config,
      '--state-dir',
      join(dir, 'fresh-cache'),
      '--json',
    ]);
    expect(update.code).toBe(0);
    expect(
      (json(update) as { components: { status: string; entry: { version: string } }[] }).components[0],
    ).toMatchObject({
      status: 'updated',
      entry: { version: '1.1.0' },
    });
    const updated = readFileSync(lockPath, 'utf8');
    expect(updated).toContain('version: "1.1.0"');
    expect(updated).toContain(`sha256: "${sha256Hex(v110.archives['app-1.1.0.linux-amd64.tar.gz']!)}"`);
    // Written atomically: no temporary file is left beside it.
    expect(readFileSync(lockPath, 'utf8').startsWith('# versions.lock')).toBe(true);
  });

  it('resolves a locked component from the lock, not from the newest release', async () => {
    upstream.setReleases('github', 'acme/app', [appRelease('1.1.0').release, APP_V100.release]);
    const dir = folder('locked');
    const config = appConfig(dir, 'locked');
    const missing = await upkeep(['resolve', 'app', '--config', config]);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toMatch(/app uses strategy "locked" but .*versions\.lock has no entry for it/);

    writeFileSync(
      join(dir, 'versions.lock'),
      `lock_version: 1\ngenerated_at: "2024-07-01T00:00:00Z"\ncomponents:\n  app:\n    version: "1.0.0"\n    tag: "v1.0.0"\n    artifacts: []\n`,
    );
    const resolved = await upkeep(['resolve', 'app', '--config', config, '--json']);
    expect(resolved.code).toBe(0);
    expect(json(resolved) as { version: string; strategy: string }).toMatchObject({
      version: '1.0.0',
      strategy: 'locked',
    });

    const check = await upkeep(['check', '--config', config, '--json']);
    expect(check.code).toBe(0);
    expect((json(check) as { components: unknown[] }).components[0]).toMatchObject({
      current_version: '1.0.0',
      current_from: 'lock',
      pin: '1.0.0',
      target: { version: '1.0.0' },
      newest: { version: '1.1.0' },
      update_available: false,
      newer_than_target: true,
    });
  });
});

describe('upkeep mirror', () => {
  it('writes a registry mirror that an offline config reads', async () => {
    const dir = folder('mirror');
    const config = mainConfig(dir);
    const to = join(dir, 'mirror');
    const result = await upkeep([
      'mirror',
      'node_exporter',
      '--to',
      to,
      '--latest',
      '2',
      '--config',
      config,
      '--json',
    ]);
    expect(result.code).toBe(0);
    const view = json(result) as {
      components: {
        component: string;
        ok: boolean;
        releases: { tag: string; assets: { name: string; sha256: string; verified_by: string }[] }[];
      }[];
    };
    const report = view.components[0]!;
    expect(report.releases.map((r) => r.tag)).toEqual(['v1.8.0', 'v1.7.0']);
    const archive = report.releases[0]!.assets.find(
      (a) => a.name === 'node_exporter-1.8.0.linux-amd64.tar.gz',
    );
    expect(archive).toMatchObject({
      sha256: sha256Hex(NODE_EXPORTER.v180.archives['node_exporter-1.8.0.linux-amd64.tar.gz']!),
      verified_by: 'checksum-file',
    });
    expect(existsSync(join(to, 'node_exporter', 'index.json'))).toBe(true);

    // An air-gapped site: the same component read from the mirror, relative to its versions.yaml.
    const site = oneComponentConfig(
      dir,
      '  node_exporter:\n    registry:\n      url: ./mirror/node_exporter\n    download:\n      archive_pattern: "node_exporter-{VERSION}.{OS}-{ARCH}.tar.gz"\n    constraints:\n      architecture: linux-amd64\n',
      `  offline_mode: true\n  state_db:\n    path: ${join(dir, 'site-state', 'state.db')}\n`,
    );
    upstream.requests.clear();
    const latest = await upkeep(['latest', 'node_exporter', '--config', site]);
    expect(latest.stdout).toBe('1.8.0\n');
    const release = await upkeep(['release', 'node_exporter', '1.8.0', '--config', site, '--json']);
    expect(release.code).toBe(0);
    expect(
      json(release) as { asset: { url: string }; checksum: { source: string; sha256: string } },
    ).toMatchObject({
      asset: {
        url: expect.stringMatching(
          /^file:\/\/.*\/mirror\/node_exporter\/v1\.8\.0\/node_exporter-1\.8\.0\.linux-amd64\.tar\.gz$/,
        ) as string,
      },
      checksum: { source: 'registry-index', sha256: archive!.sha256 },
    });
    expect(upstream.requests.count()).toBe(0);
  });
});

describe('offline, staleness and rate limits', () => {
  it('offline with no cache: a clear error naming the component and the reason', async () => {
    const dir = folder('offline-empty');
    upstream.requests.clear();
    const result = await upkeep([
      'versions',
      'node_exporter',
      '--config',
      mainConfig(dir),
      '--offline',
      '--json',
    ]);
    expect(result.code).toBe(69);
    const error = errorOf(result);
    expect(error.code).toBe('OFFLINE_NO_CACHE');
    expect(error.message).toMatch(/no cached data for node_exporter .* offline mode is on/);
    expect(error.details).toMatchObject({ component: 'node_exporter', reason: 'offline' });
    expect(upstream.requests.count()).toBe(0);
    expectNoStack(result);
  });

  it('offline with a cache past its TTL: the cached answer, marked stale with its age', async () => {
    const dir = folder('offline-stale');
    const config = mainConfig(dir, { ttl: 1 });
    expect((await upkeep(['versions', 'node_exporter', '--config', config])).code).toBe(0);
    await sleep(1200);
    upstream.requests.clear();
    const human = await upkeep(['versions', 'node_exporter', '--config', config, '--offline']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^node_exporter: 3 releases from .* \(stale: cached \d+s ago, offline\)/);
    const machine = await upkeep(['latest', 'node_exporter', '--config', config, '--offline', '--json']);
    expect(json(machine) as { version: string; freshness: Record<string, unknown> }).toMatchObject({
      version: '1.8.0',
      freshness: { origin: 'stale', stale_reason: 'offline', age_seconds: expect.any(Number) as number },
    });
    const check = await upkeep(['check', '--config', config, '--offline']);
    expect(check.stdout).toMatch(/node_exporter: stale: cached \d+s ago, offline/);
    expect(upstream.requests.count()).toBe(0);
  });

  it('a low rate limit seen by one run makes the next answer from the cache, marked stale', async () => {
    const dir = folder('ratelimit');
    const config = mainConfig(dir, { ttl: 1 });
    upstream.setRateLimit({ limit: 60, remaining: 5, resetInSeconds: 3600 });
    try {
      const first = await upkeep(['versions', 'node_exporter', '--config', config, '--json']);
      expect(first.code).toBe(0);
      expect((json(first) as { freshness: { origin: string } }).freshness.origin).toBe('network');
      await sleep(1200);
      upstream.requests.clear();
      const second = await upkeep(['versions', 'node_exporter', '--config', config]);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/\(stale: cached \d+s ago, rate limit low\)/);
      expect(upstream.requests.count('/repos/')).toBe(0);
      const machine = await upkeep(['versions', 'node_exporter', '--config', config, '--json']);
      expect(
        (json(machine) as { freshness: { stale_reason: string; stale_detail: string } }).freshness,
      ).toMatchObject({
        stale_reason: 'rate-limited',
        stale_detail: expect.stringMatching(/requests left \(threshold 10\)/) as string,
      });
    } finally {
      upstream.setRateLimit({ limit: 5000, remaining: 5000, resetInSeconds: 3600 });
    }
  });

  it('malformed JSON from upstream: a clear error, and nothing cached', async () => {
    const dir = folder('malformed');
    const config = oneComponentConfig(dir, '  broken:\n    github_repo: acme/broken\n');
    upstream.setFault({ kind: 'malformed', match: '/repos/acme/broken', times: 1 });
    const bad = await upkeep(['versions', 'broken', '--config', config, '--state-dir', dir, '--json']);
    expect(bad.code).toBe(65);
    const error = errorOf(bad);
    expect(error.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(error.message).toMatch(
      /acme\/broken.*not valid JSON|not valid JSON.*acme\/broken|page 1 of releases/,
    );
    expectNoStack(bad);
    const offline = await upkeep([
      'versions',
      'broken',
      '--config',
      config,
      '--state-dir',
      dir,
      '--offline',
      '--json',
    ]);
    expect(errorOf(offline).code).toBe('OFFLINE_NO_CACHE');
    const good = await upkeep(['versions', 'broken', '--config', config, '--state-dir', dir, '--json']);
    expect(good.code).toBe(0);
    expect(json(good) as { releases: unknown[]; freshness: { origin: string } }).toMatchObject({
      releases: [{ version: '1.0.0' }],
      freshness: { origin: 'network' },
    });
  });
});

describe('GitHub Enterprise and tokens', () => {
  /** A GitHub Enterprise host: the API under /api/v3, downloads at the root. */
  async function startEnterpriseProxy(): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
    const target = new URL(upstream.url);
    const paths: string[] = [];
    const server: Server = createServer((req, res) => {
      const path = req.url ?? '/';
      paths.push(path);
      const forwarded = path.startsWith('/api/v3/') ? path.slice('/api/v3'.length) : path;
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: forwarded,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          const headers = { ...answer.headers };
          const host = req.headers.host ?? '';
          if (typeof headers.link === 'string') {
            headers.link = headers.link.replaceAll(`<http://${host}/`, `<http://${host}/api/v3/`);
          }
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
        },
      );
      outgoing.on('error', () => res.destroy());
      req.pipe(outgoing);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      paths,
      close: () =>
        new Promise((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    };
  }

  it('reads every page from a GitHub Enterprise base_url set in the config', async () => {
    const proxy = await startEnterpriseProxy();
    try {
      const dir = folder('ghe');
      const path = join(dir, 'versions.yaml');
      writeFileSync(
        path,
        `global:\n  github_api:\n    base_url: ${proxy.url}/api/v3\ncomponents:\n  corp-tool:\n    github_repo: corp/tool\n`,
      );
      const result = await upkeep(['versions', 'corp-tool', '--config', path, '--state-dir', dir, '--json']);
      expect(result.code).toBe(0);
      const view = json(result) as { releases: { version: string }[]; upstream: string };
      expect(view.releases).toHaveLength(120);
      expect(view.releases[0]?.version).toBe('1.119.0');
      expect(view.upstream).toBe(`${proxy.url}/api/v3/repos/corp/tool`);
      expect(proxy.paths.length).toBeGreaterThanOrEqual(2);
      expect(proxy.paths.every((p) => p.startsWith('/api/v3/'))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('sends a token from a 0600 file, refuses a 0644 one, and never prints it', async () => {
    const dir = folder('token');
    const config = oneComponentConfig(dir, '  app:\n    github_repo: acme/app\n');
    const tokenFile = join(dir, 'github-token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    chmodSync(tokenFile, 0o644);
    const refused = await upkeep([
      'versions',
      'app',
      '--config',
      config,
      '--state-dir',
      dir,
      '--github-token-file',
      tokenFile,
    ]);
    expect(refused.code).toBe(77);
    expect(refused.stderr).toMatch(/has mode 0644.*refusing to use it/);
    expect(refused.stderr).toContain(`chmod 600 ${tokenFile}`);
    expect(refused.stderr).not.toContain(TOKEN);

    chmodSync(tokenFile, 0o600);
    upstream.requests.clear();
    const accepted = await upkeep([
      'versions',
      'app',
      '--config',
      config,
      '--state-dir',
      dir,
      '--github-token-file',
      tokenFile,
    ]);
    expect(accepted.code).toBe(0);
    const listed = upstream.requests.list('/repos/acme/app');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((r) => r.authenticated)).toBe(true);
    expect(accepted.stdout + accepted.stderr).not.toContain(TOKEN);
  });

  it('takes GITHUB_TOKEN from the environment, and a wrong one fails without showing it', async () => {
    const dir = folder('token-env');
    const config = oneComponentConfig(dir, '  app:\n    github_repo: acme/app\n');
    const wrong = 'ghp_wrongTokenValue000000000000';
    const result = await upkeep(['versions', 'app', '--config', config, '--state-dir', dir], {
      GITHUB_TOKEN: wrong,
    });
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/GitHub refused the token for acme\/app \(401\)/);
    expect(result.stderr).not.toContain(wrong);
  });
});
