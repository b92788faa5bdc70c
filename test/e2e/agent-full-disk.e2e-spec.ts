// A full disk never costs the running version: an artifact larger than the
// room left, in the download cache or beside the binary, fails with
// INSUFFICIENT_SPACE naming the path, the old version keeps answering, history
// says why, and nothing half-done is left (no partial file, no open operation).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentJson, historyOf, lastJournalStep } from '../support/agent/agent-runner.ts';
import { DEMO_COMPONENT, DEMO_REPO, stopDemoService, writeDemoHost } from '../support/agent/demo-host.ts';
import { servedVersion } from '../support/exporter/exporter-program.ts';
import { exporterRelease } from '../support/exporter/exporter-releases.ts';
import { freePort } from '../support/free-port.ts';
import { startUpstream, type Upstream } from '../support/upstream/index.ts';

const node = process.execPath;
const TMPFS_SIZE = '256k';
let upstream: Upstream;
const roots: string[] = [];
const mounts: string[] = [];

/** Mounts a small tmpfs on `dir`; a refused mount fails the test with the reason, never skips it. */
function mountSmallTmpfs(dir: string): void {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? error);
    throw new Error(
      `the full-disk test needs to mount a ${TMPFS_SIZE} tmpfs on ${dir} (run as root, or with CAP_SYS_ADMIN): ${stderr.trim()}`,
      { cause: error },
    );
  }
  mounts.push(dir);
}

async function host(): Promise<{ root: string; port: number }> {
  const root = mkdtempSync(join(tmpdir(), 'upkeep-agent-full-disk-'));
  roots.push(root);
  const port = await freePort();
  writeDemoHost(root, { upstreamUrl: upstream.url, port });
  return { root, port };
}

beforeAll(async () => {
  upstream = await startUpstream({
    github: {
      [DEMO_REPO]: [
        // About 600 KiB of binary, about 450 KiB of tar.gz: more than the tmpfs holds.
        exporterRelease({ version: '1.1.0', padBytes: 600 * 1024 }, node),
        exporterRelease({ version: '1.0.0' }, node),
      ],
    },
  });
});

afterEach(() => {
  for (const root of roots) stopDemoService(root);
  for (const dir of mounts.splice(0)) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    }
  }
});

afterAll(async () => {
  await upstream.close();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

async function expectOldVersionKept(root: string, port: number, step: string): Promise<Json> {
  const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.1.0']);
  expect(run.code, run.stderr).toBe(74);
  const report = run.json as Json;
  expect(report).toMatchObject({
    outcome: 'failed',
    error: { code: 'INSUFFICIENT_SPACE', rolled_back: false, step },
  });
  expect(await servedVersion(port)).toBe('1.0.0');
  const [last] = await historyOf(root);
  expect(last).toMatchObject({ to_version: '1.1.0', success: false });
  expect(String(last?.['error_message'])).toMatch(new RegExp(`^${step}: no space left to write `));
  // The operation ended (aborted), so `recover` has nothing to finish.
  expect(lastJournalStep(root)).toBe('aborted');
  const recover = await agentJson(root, ['recover']);
  expect(recover.code, recover.stderr).toBe(0);
  expect(await servedVersion(port)).toBe('1.0.0');
  return report['error'] as Json;
}

describe('a full disk', () => {
  it('in the download cache: the download stops at once, its partial file is removed', async () => {
    const { root, port } = await host();
    const cache = join(root, 'var/cache/upkeep');
    mountSmallTmpfs(cache);
    expect((await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0'])).code).toBe(0);
    expect(await servedVersion(port)).toBe('1.0.0');

    const error = await expectOldVersionKept(root, port, 'download');
    expect(String(error['message'])).toContain(join(cache, 'artifacts', DEMO_COMPONENT, '1.1.0'));
    // Not retried as if the network had failed: one request for the artifact.
    expect(upstream.requests.count(`/gh-download/${DEMO_REPO}/v1.1.0/demo_exporter-`)).toBe(1);
    const folder = join(cache, 'artifacts', DEMO_COMPONENT, '1.1.0');
    const left = existsSync(folder) ? readdirSync(folder) : [];
    expect(left.filter((name) => name.includes('.partial'))).toEqual([]);
  });

  it('beside the binary: refused before the service is stopped, no temp file beside the target', async () => {
    const { root, port } = await host();
    const binDir = join(root, 'usr/local/bin');
    mountSmallTmpfs(binDir);
    expect((await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0'])).code).toBe(0);
    expect(await servedVersion(port)).toBe('1.0.0');

    const error = await expectOldVersionKept(root, port, 'rollback_point');
    expect(String(error['message'])).toContain(join(binDir, DEMO_COMPONENT));
    expect(readdirSync(binDir)).toEqual([DEMO_COMPONENT]);
    const [last] = await historyOf(root);
    expect(last).toMatchObject({ to_version: '1.1.0', success: false });
  });
});
