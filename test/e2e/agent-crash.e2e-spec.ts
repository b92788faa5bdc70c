// kill -9 of the agent process in the middle of an upgrade, then the next run:
// the host ends with the old version running and answering (or the new one
// committed), never neither. One agent at a time: a second one is refused
// while the first works, and read-only commands still answer.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentJson, historyOf, lastJournalStep } from '../support/agent/agent-runner.ts';
import {
  DEMO_COMPONENT,
  DEMO_REPO,
  demoPaths,
  stopDemoService,
  writeDemoHost,
} from '../support/agent/demo-host.ts';
import { servedVersion } from '../support/exporter/exporter-program.ts';
import { exporterRelease } from '../support/exporter/exporter-releases.ts';
import { freePort } from '../support/free-port.ts';
import { REPO_ROOT } from '../support/run-process.ts';
import { startUpstream, type Upstream } from '../support/upstream/index.ts';

const node = process.execPath;
let upstream: Upstream | null = null;
let root: string;
let port: number;
let agent: ChildProcess | null = null;

async function startHost(): Promise<void> {
  upstream = await startUpstream({
    github: {
      [DEMO_REPO]: [exporterRelease({ version: '1.1.0' }, node), exporterRelease({ version: '1.0.0' }, node)],
    },
  });
  root = mkdtempSync(join(tmpdir(), 'upkeep-agent-crash-'));
  port = await freePort();
  writeDemoHost(root, { upstreamUrl: upstream.url, port });
  expect((await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0'])).code).toBe(0);
}

/** Starts `upgrade demo_exporter 1.1.0` in the background, as a real process. */
function startUpgrade(): ChildProcess {
  agent = spawn(
    node,
    [
      `${REPO_ROOT}apps/agent/src/main.ts`,
      'upgrade',
      DEMO_COMPONENT,
      '1.1.0',
      '--root',
      root,
      '--json',
      '--log-file',
      demoPaths(root).log,
    ],
    { stdio: 'ignore' },
  );
  return agent;
}

async function waitForStep(step: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (lastJournalStep(root) !== step) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`the agent never reached step ${step} (at ${String(lastJournalStep(root))})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGKILL');
  });
}

beforeEach(async () => {
  await startHost();
});
afterEach(async () => {
  if (agent !== null && agent.exitCode === null) agent.kill('SIGKILL');
  agent = null;
  stopDemoService(root);
  await upstream?.close();
  rmSync(root, { recursive: true, force: true });
});
afterAll(() => {
  upstream = null;
});

describe('kill -9 of the agent during an upgrade', () => {
  it('during the health check (new binary live): recover restores the old version, which answers', async () => {
    // Long enough to be caught in the health step.
    writeDemoHost(root, { upstreamUrl: upstream!.url, port, health: { min_healthy_time: '20s' } });
    const child = startUpgrade();
    await waitForStep('health');
    expect(await servedVersion(port)).toBe('1.1.0');

    const second = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.1.0']);
    expect(second.code).toBe(75);
    expect(second.stderr).toContain('another upkeep-agent');
    const busy = await agentJson(root, ['status']);
    expect(busy.code).toBe(0);
    expect(busy.json).toMatchObject({
      host: { lock_held: false },
      components: [{ open_operation: { kind: 'upgrade', step: 'health' } }],
    });

    // The killed agent read the long health check; recovery reads the config as it is now.
    writeDemoHost(root, { upstreamUrl: upstream!.url, port });
    await kill9(child);
    const recover = await agentJson(root, ['recover']);
    expect(recover.code).toBe(0);
    expect(recover.json).toMatchObject({
      recovered: [
        {
          component: DEMO_COMPONENT,
          kind: 'upgrade',
          from_version: '1.0.0',
          to_version: '1.1.0',
          interrupted_at: 'health',
          outcome: 'restored',
          error: null,
        },
      ],
      still_open: [],
    });
    expect(await servedVersion(port)).toBe('1.0.0');
    const [rollback, failure] = await historyOf(root);
    expect(failure).toMatchObject({ to_version: '1.1.0', method: 'recovery', success: false });
    expect(rollback).toMatchObject({
      from_version: '1.1.0',
      to_version: '1.0.0',
      method: 'rollback',
      success: true,
    });
    const status = await agentJson(root, ['status']);
    expect(status.json).toMatchObject({
      components: [
        { installed_version: '1.0.0', service: 'active', health: { ok: true }, open_operation: null },
      ],
    });
    // Nothing left to do, and the upgrade can be run again.
    expect((await agentJson(root, ['recover'])).json).toMatchObject({ recovered: [], still_open: [] });
    const again = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.1.0']);
    expect(again.json).toMatchObject({ outcome: 'upgraded', to_version: '1.1.0' });
    expect(await servedVersion(port)).toBe('1.1.0');
  });

  it('during the download: the next run of any command recovers; the old version never stopped', async () => {
    upstream!.setFault({
      kind: 'slow',
      delayMs: 30_000,
      match: '/gh-download/demo/demo_exporter/v1.1.0/demo_exporter-',
    });
    const child = startUpgrade();
    await waitForStep('download');
    await kill9(child);
    upstream!.setFault(null);
    expect(await servedVersion(port)).toBe('1.0.0');
    const status = await agentJson(root, ['status']);
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(
      /recovery: upgrade of demo_exporter 1\.0\.0 -> 1\.1\.0, interrupted at download: aborted/,
    );
    expect(status.json).toMatchObject({ components: [{ installed_version: '1.0.0', open_operation: null }] });
    const [aborted] = await historyOf(root);
    expect(aborted).toMatchObject({ to_version: '1.1.0', method: 'recovery', success: false });
    expect(String(aborted?.['error_message'])).toContain('nothing was changed');
  });
});
