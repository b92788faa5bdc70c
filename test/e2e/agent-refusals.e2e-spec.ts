// What the agent refuses, and what it retries: broken artifacts never reach the
// host (the old version keeps running and history says why); a version that
// failed is not taken again until --force or a newer release.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentJson, historyOf } from '../support/agent/agent-runner.ts';
import { DEMO_COMPONENT, stopDemoService, writeDemoHost } from '../support/agent/demo-host.ts';
import { servedVersion } from '../support/exporter/exporter-program.ts';
import { exporterRelease, type ExporterReleaseSpec } from '../support/exporter/exporter-releases.ts';
import { freePort } from '../support/free-port.ts';
import { runAgent } from '../support/run-process.ts';
import { startUpstream, type Upstream } from '../support/upstream/index.ts';

const node = process.execPath;
const release = (spec: ExporterReleaseSpec) => exporterRelease(spec, node);
let upstream: Upstream;
const roots: string[] = [];

async function host(repo: string, options: { requireChecksum?: boolean; checksumFile?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'upkeep-agent-refusals-'));
  roots.push(root);
  const port = await freePort();
  writeDemoHost(root, {
    upstreamUrl: upstream.url,
    port,
    requireChecksum: options.requireChecksum,
    component: {
      github_repo: repo,
      download: {
        archive_type: 'tar.gz',
        archive_pattern: 'demo_exporter-{VERSION}.linux-amd64.tar.gz',
        binary_path_in_archive: 'demo_exporter-{VERSION}.linux-amd64/demo_exporter',
        ...(options.checksumFile === false ? {} : { checksum_file: 'sha256sums.txt' }),
      },
    },
  });
  return { root, port };
}

beforeAll(async () => {
  upstream = await startUpstream({
    github: {
      'demo/broken': [
        release({ version: '1.0.6' }),
        release({ version: '1.0.5' }),
        release({ version: '1.0.4', fault: 'symlink-escape' }),
        release({ version: '1.0.3', fault: 'traversal' }),
        release({ version: '1.0.2', fault: 'missing-binary' }),
        release({ version: '1.0.1', fault: 'wrong-checksum' }),
        release({ version: '1.0.0' }),
      ],
      'demo/retry': [
        release({ version: '1.2.0', behaviour: 'unhealthy' }),
        release({ version: '1.1.0' }),
        release({ version: '1.0.0' }),
      ],
      'demo/unsigned': [
        release({ version: '1.1.0', fault: 'no-checksum' }),
        release({ version: '1.0.0', fault: 'no-checksum' }),
      ],
    },
  });
});

afterAll(async () => {
  for (const root of roots) stopDemoService(root);
  await upstream.close();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

describe('broken artifacts never reach the host', () => {
  let root: string;
  let port: number;

  beforeAll(async () => {
    ({ root, port } = await host('demo/broken'));
    const install = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0']);
    expect(install.code).toBe(0);
  });

  async function refused(version: string, code: string, exitCode: number, step: string): Promise<Json> {
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, version]);
    expect(run.code).toBe(exitCode);
    const report = run.json as Json;
    expect(report).toMatchObject({ outcome: 'failed', error: { code, rolled_back: false, step } });
    expect(await servedVersion(port)).toBe('1.0.0');
    const [last] = await historyOf(root);
    expect(last).toMatchObject({ to_version: version, success: false });
    expect(String(last?.['error_message'])).toMatch(new RegExp(`^${step}: `));
    return report;
  }

  it('a wrong checksum', async () => {
    const report = await refused('1.0.1', 'CHECKSUM_MISMATCH', 65, 'verify');
    expect(String((report['error'] as Json)['message'])).toContain('demo_exporter-1.0.1.linux-amd64.tar.gz');
  });

  it('an archive without the configured binary', async () => {
    await refused('1.0.2', 'BINARY_NOT_IN_ARCHIVE', 65, 'extract');
  });

  it('an archive with a path that climbs out of its folder', async () => {
    await refused('1.0.3', 'ARCHIVE_UNSAFE', 65, 'extract');
    expect(existsSync(join(root, 'etc/evil'))).toBe(false);
  });

  it('an archive with a symlink that escapes, and a file written through it', async () => {
    await refused('1.0.4', 'ARCHIVE_UNSAFE', 65, 'extract');
    expect(existsSync('/tmp/evil')).toBe(false);
  });

  it('a download cut short once is resumed and installs', async () => {
    upstream.setFault({
      kind: 'truncated',
      match: '/gh-download/demo/broken/v1.0.5/demo_exporter-',
      times: 1,
    });
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.5']);
    upstream.setFault(null);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ outcome: 'upgraded', to_version: '1.0.5' });
    expect(upstream.requests.count('/gh-download/demo/broken/v1.0.5/demo_exporter-')).toBeGreaterThanOrEqual(
      2,
    );
    expect(await servedVersion(port)).toBe('1.0.5');
  });

  it('a download cut short every time fails without touching the running version', async () => {
    upstream.setFault({ kind: 'truncated', match: '/gh-download/demo/broken/v1.0.6/demo_exporter-' });
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.6']);
    upstream.setFault(null);
    expect(run.code).toBe(69);
    expect(run.json).toMatchObject({
      outcome: 'failed',
      error: { code: 'DOWNLOAD_FAILED', step: 'download' },
    });
    expect(await servedVersion(port)).toBe('1.0.5');
  });
});

describe('failed versions are not retried automatically', () => {
  it('takes the next best release, then nothing, until a newer release or --force', async () => {
    const { root, port } = await host('demo/retry');
    expect((await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0'])).code).toBe(0);

    const broken = await agentJson(root, ['upgrade', DEMO_COMPONENT]);
    expect(broken.code).toBe(1);
    expect(broken.json).toMatchObject({
      outcome: 'failed',
      to_version: '1.2.0',
      error: { rolled_back: true },
    });
    expect(await servedVersion(port)).toBe('1.0.0');

    const next = await agentJson(root, ['upgrade', DEMO_COMPONENT]);
    expect(next.code).toBe(0);
    expect(next.json).toMatchObject({ outcome: 'upgraded', to_version: '1.1.0' });
    expect((next.json as { warnings: string[] }).warnings.join(' ')).toContain('taking 1.1.0 instead');

    const downloads = upstream.requests.count('/gh-download/demo/retry/v1.2.0/');
    const nothing = await agentJson(root, ['upgrade', DEMO_COMPONENT]);
    expect(nothing.code).toBe(0);
    expect(nothing.json).toMatchObject({ outcome: 'not_retried', to_version: '1.2.0' });
    expect(upstream.requests.count('/gh-download/demo/retry/v1.2.0/')).toBe(downloads);

    upstream.addRelease('github', 'demo/retry', release({ version: '1.2.1' }));
    await new Promise((resolve) => setTimeout(resolve, 1200)); // past the 1 s release-list cache
    const newer = await agentJson(root, ['upgrade', DEMO_COMPONENT]);
    expect(newer.code).toBe(0);
    expect(newer.json).toMatchObject({ outcome: 'upgraded', from_version: '1.1.0', to_version: '1.2.1' });
    expect(await servedVersion(port)).toBe('1.2.1');

    upstream.addRelease(
      'github',
      'demo/retry',
      release({ version: '2.0.0', behaviour: 'no-diskstats-flag' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const major = await agentJson(root, ['upgrade', DEMO_COMPONENT]);
    expect(major.code).toBe(2);
    expect(major.json).toMatchObject({ outcome: 'held', decision: { action: 'manual_approval' } });
    // This host does not run with --collector.diskstats, so 2.0.0 starts once approved.
    const forced = await agentJson(root, ['upgrade', DEMO_COMPONENT, '2.0.0', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.json).toMatchObject({ outcome: 'upgraded', to_version: '2.0.0', forced: true });
    expect(await servedVersion(port)).toBe('2.0.0');
    const [last] = await historyOf(root);
    expect(last).toMatchObject({ to_version: '2.0.0', method: 'force', success: true });
  });
});

describe('checksum verification', () => {
  it('refuses an artifact without a published checksum while verification is required', async () => {
    const { root, port } = await host('demo/unsigned', { checksumFile: false });
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0']);
    expect(run.code).toBe(65);
    expect(run.json).toMatchObject({
      outcome: 'failed',
      error: { code: 'CHECKSUM_NOT_FOUND', step: 'verify' },
    });
    expect(await servedVersion(port)).toBeNull();
  });

  it('require_checksum_verification: false installs it with a loud warning on every run', async () => {
    const { root, port } = await host('demo/unsigned', { checksumFile: false, requireChecksum: false });
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('WARNING: global.safety.require_checksum_verification is false');
    expect(run.stderr).toContain('CHECKSUM NOT VERIFIED');
    expect(await servedVersion(port)).toBe('1.0.0');
    const status = await runAgent(['status', '--root', root, '--log-level', 'silent']);
    expect(status.code).toBe(0);
    expect(status.stderr).toContain('WARNING: global.safety.require_checksum_verification is false');
    expect(status.stdout).toContain('CHECKSUM VERIFICATION OFF');
  });
});
