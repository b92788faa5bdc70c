import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realSleep } from '../download/http.port.ts';
import { execFileRunner } from '../service/process-runner.repository.ts';
import { createServiceManager } from '../service/service-manager.repository.ts';
import type { ServiceManager } from '../service/service-manager.port.ts';
import {
  commandManagerFor,
  freePort,
  writeFakeBinary,
  type ExporterBehaviour,
} from '../testing/fake-host.fixture.ts';
import { waitUntilHealthy } from './health-check.service.ts';
import { createHealthProbe } from './health-probe.repository.ts';
import { readBinaryVersion, verifyBinaryVersion } from './version-check.service.ts';

let dir: string;
let managers: ServiceManager[];
const run = execFileRunner;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upkeep-health-'));
  managers = [];
});
afterEach(async () => {
  for (const manager of managers) await manager.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function startExporter(behaviour: ExporterBehaviour = 'healthy'): Promise<number> {
  const binary = join(dir, 'exporter');
  writeFakeBinary(binary, '1.2.0', behaviour);
  const port = await freePort();
  const manager = createServiceManager(commandManagerFor('exporter', binary, join(dir, 'pid'), port), run);
  managers.push(manager);
  await manager.start();
  return port;
}

const timing = { timeoutMs: 1000, retries: 2, intervalMs: 50, minHealthyMs: 200 };
const clock = { now: () => Date.now(), sleep: realSleep };

describe('health probes against a real process', () => {
  it('passes http (status and body), tcp and command checks on a healthy service, for min_healthy_time', async () => {
    const port = await startExporter();
    const http = createHealthProbe(
      { type: 'http', url: `http://127.0.0.1:${String(port)}/metrics`, bodyContains: 'version="1.2.0"' },
      { run },
    );
    const outcome = await waitUntilHealthy('exporter', http, timing, clock);
    expect(outcome.healthyForMs).toBeGreaterThanOrEqual(200);
    expect((await createHealthProbe({ type: 'tcp', host: '127.0.0.1', port }, { run })(1000)).ok).toBe(true);
    expect(
      (await createHealthProbe({ type: 'command', argv: ['sh', '-c', 'exit 0'] }, { run })(1000)).ok,
    ).toBe(true);
  });

  it('fails on the wrong status, a missing body text, a closed port, and a failing command', async () => {
    const port = await startExporter('unhealthy');
    const status = await createHealthProbe(
      { type: 'http', url: `http://127.0.0.1:${String(port)}/metrics` },
      { run },
    )(1000);
    expect(status).toEqual({
      ok: false,
      detail: expect.stringContaining('HTTP 500, expected 200') as unknown,
    });
    const body = await createHealthProbe(
      { type: 'http', url: `http://127.0.0.1:${String(port)}/metrics`, bodyContains: 'version="9.9.9"' },
      { run },
    )(1000);
    expect(body.ok).toBe(false);
    const closed = await createHealthProbe(
      { type: 'tcp', host: '127.0.0.1', port: await freePort() },
      { run },
    )(1000);
    expect(closed.detail).toMatch(/ECONNREFUSED/);
    const command = await createHealthProbe(
      { type: 'command', argv: ['sh', '-c', 'echo broken >&2; exit 4'] },
      { run },
    )(1000);
    expect(command).toEqual({
      ok: false,
      detail: expect.stringContaining('exit code 4; stderr: broken') as unknown,
    });
    await expect(
      waitUntilHealthy(
        'exporter',
        createHealthProbe({ type: 'http', url: `http://127.0.0.1:${String(port)}/metrics` }, { run }),
        timing,
        clock,
      ),
    ).rejects.toMatchObject({ code: 'HEALTH_CHECK_FAILED' });
  });

  it('times out a probe that hangs', async () => {
    const probe = createHealthProbe({ type: 'command', argv: ['sleep', '5'] }, { run });
    const started = Date.now();
    const result = await probe(200);
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('timed out');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('version check', () => {
  it('reads what `--version` prints and compares it', async () => {
    const binary = join(dir, 'exporter');
    writeFakeBinary(binary, '1.7.0');
    expect(await readBinaryVersion({ component: 'x', binaryPath: binary }, run)).toBe('1.7.0');
    expect(await verifyBinaryVersion({ component: 'x', binaryPath: binary, expected: 'v1.7.0' }, run)).toBe(
      '1.7.0',
    );
    await expect(
      verifyBinaryVersion({ component: 'x', binaryPath: binary, expected: '1.8.0' }, run),
    ).rejects.toMatchObject({
      code: 'VERSION_MISMATCH',
    });
  });

  it('uses a configured argv and pattern, and reports a binary that does not run', async () => {
    expect(
      await readBinaryVersion(
        {
          component: 'x',
          binaryPath: '/x',
          argv: ['sh', '-c', 'echo build 2.9.3-rc.1'],
          pattern: 'build (\\S+)',
        },
        run,
      ),
    ).toBe('2.9.3-rc.1');
    await expect(
      readBinaryVersion({ component: 'x', binaryPath: join(dir, 'missing') }, run),
    ).rejects.toMatchObject({
      code: 'VERSION_MISMATCH',
      message: expect.stringContaining('ENOENT') as unknown,
    });
  });
});
