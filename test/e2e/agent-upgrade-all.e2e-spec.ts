// `upkeep-agent upgrade --all` on a host with a server and a client that
// depends on it (compatible_with): the server goes first; when its upgrade
// fails (and is rolled back), the client is not attempted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentJson } from '../support/agent/agent-runner.ts';
import {
  demoHostConfig,
  exporterComponent,
  stopDemoService,
  writeHostConfig,
} from '../support/agent/demo-host.ts';
import { servedVersion } from '../support/exporter/exporter-program.ts';
import { exporterRelease } from '../support/exporter/exporter-releases.ts';
import { freePort } from '../support/free-port.ts';
import { startUpstream, type Upstream } from '../support/upstream/index.ts';

const node = process.execPath;
const NAMES = ['client', 'server'];
let upstream: Upstream;
let root: string;
const ports = { client: 0, server: 0 };

beforeAll(async () => {
  upstream = await startUpstream({
    github: {
      'demo/client': [exporterRelease({ version: '1.0.0' }, node)],
      'demo/server': [exporterRelease({ version: '1.0.0' }, node)],
    },
  });
  root = mkdtempSync(join(tmpdir(), 'upkeep-agent-all-'));
  ports.client = await freePort();
  ports.server = await freePort();
  const base = demoHostConfig(root, { upstreamUrl: upstream.url, port: ports.client });
  writeHostConfig(root, {
    ...base,
    // The client is listed first: the order comes from compatible_with, not from the file.
    components: {
      client: {
        ...exporterComponent(root, { name: 'client', repo: 'demo/client', port: ports.client }),
        compatible_with: { server: '>=1.0.0' },
      },
      server: exporterComponent(root, { name: 'server', repo: 'demo/server', port: ports.server }),
    },
    breaking_changes: [],
  });
  // The server first: installing the client without it is refused (compatible_with).
  const early = await agentJson(root, ['upgrade', 'client', '1.0.0']);
  expect(early.json).toMatchObject({ outcome: 'refused', decision: { action: 'reject' } });
  const overridden = await agentJson(root, [
    'upgrade',
    'client',
    '1.0.0',
    '--skip-safety-checks',
    '--dry-run',
  ]);
  expect(overridden.json).toMatchObject({
    outcome: 'dry_run',
    would: 'proceed',
    safety_checks_skipped: true,
  });
  for (const name of ['server', 'client'])
    expect((await agentJson(root, ['upgrade', name, '1.0.0'])).code).toBe(0);
});

afterAll(async () => {
  stopDemoService(root, NAMES);
  await upstream.close();
  rmSync(root, { recursive: true, force: true });
});

const wait = () => new Promise((resolve) => setTimeout(resolve, 1200)); // past the 1 s release-list cache

describe('upkeep-agent upgrade --all', () => {
  it('upgrades the server before the client that depends on it', async () => {
    upstream.addRelease('github', 'demo/client', exporterRelease({ version: '1.1.0' }, node));
    upstream.addRelease('github', 'demo/server', exporterRelease({ version: '1.1.0' }, node));
    await wait();
    const dry = await agentJson(root, ['upgrade', '--all', '--dry-run']);
    expect(dry.json).toMatchObject({ order: ['server', 'client'], summary: { dry_run: 2 }, exit_code: 0 });
    const run = await agentJson(root, ['upgrade', '--all']);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({
      order: ['server', 'client'],
      components: [
        { component: 'server', outcome: 'upgraded', to_version: '1.1.0' },
        { component: 'client', outcome: 'upgraded', to_version: '1.1.0' },
      ],
      summary: { upgraded: 2 },
      stopped_at: null,
      exit_code: 0,
    });
    expect(await servedVersion(ports.server)).toBe('1.1.0');
    expect(await servedVersion(ports.client)).toBe('1.1.0');
  });

  it('a failed (rolled back) server upgrade blocks its client; the run reports both', async () => {
    upstream.addRelease(
      'github',
      'demo/server',
      exporterRelease({ version: '1.2.0', behaviour: 'unhealthy' }, node),
    );
    upstream.addRelease('github', 'demo/client', exporterRelease({ version: '1.2.0' }, node));
    await wait();
    const run = await agentJson(root, ['upgrade', '--all']);
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({
      components: [
        { component: 'server', outcome: 'failed', error: { code: 'HEALTH_CHECK_FAILED', rolled_back: true } },
        { component: 'client', outcome: 'blocked' },
      ],
      summary: { failed: 1, blocked: 1 },
      stopped_at: null,
    });
    expect(await servedVersion(ports.server)).toBe('1.1.0');
    expect(await servedVersion(ports.client)).toBe('1.1.0');
    // Next run: the server's failed version is not retried, so the client goes ahead.
    await wait();
    const next = await agentJson(root, ['upgrade', '--all']);
    expect(next.json).toMatchObject({
      components: [
        { component: 'server', outcome: 'not_retried' },
        { component: 'client', outcome: 'upgraded', to_version: '1.2.0' },
      ],
      exit_code: 0,
    });
  });

  it('refuses --all with a component or --force', async () => {
    const run = await agentJson(root, ['upgrade', '--all', '--force']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('--all takes no component');
  });
});
