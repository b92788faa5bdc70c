import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { commandManagerFor, freePort, writeFakeBinary } from '../testing/fake-host.fixture.ts';
import { readServiceCommandLine } from './command-line.repository.ts';
import { execFileRunner } from './process-runner.repository.ts';
import { createServiceManager } from './service-manager.repository.ts';
import type { ServiceManager } from './service-manager.port.ts';

let dir: string;
let started: ServiceManager[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upkeep-service-'));
  started = [];
});
afterEach(async () => {
  for (const manager of started) await manager.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function metrics(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${String(port)}/metrics`);
  return response.text();
}

describe('command service manager (real processes)', () => {
  it('starts, reports active, serves, and stops a background process', async () => {
    const binary = join(dir, 'exporter');
    writeFakeBinary(binary, '1.0.0');
    const port = await freePort();
    const manager = createServiceManager(
      commandManagerFor('exporter', binary, join(dir, 'pid'), port),
      execFileRunner,
    );
    started.push(manager);
    expect(await manager.isActive()).toBe(false);
    await manager.start();
    expect(await manager.isActive()).toBe(true);
    expect(await metrics(port)).toContain('version="1.0.0"');
    expect(Number(readFileSync(join(dir, 'pid'), 'utf8'))).toBeGreaterThan(0);
    await manager.stop();
    expect(await manager.isActive()).toBe(false);
    await expect(metrics(port)).rejects.toThrow();
  });

  it("fails a service that will not start with the manager's own output", async () => {
    const binary = join(dir, 'exporter');
    writeFakeBinary(binary, '1.0.0', 'crash');
    const manager = createServiceManager(
      commandManagerFor('exporter', binary, join(dir, 'pid'), await freePort()),
      execFileRunner,
    );
    try {
      await manager.start();
      expect.unreachable();
    } catch (error) {
      expect(isUpkeepError(error) && error.code).toBe('SERVICE_FAILED');
      expect((error as Error).message).toContain('demo_exporter: fatal: cannot start');
      expect((error as Error).message).toContain('exit code 1');
    }
    expect(await manager.isActive()).toBe(false);
  });

  it('refuses a command manager without start or stop commands', () => {
    expect(() =>
      createServiceManager({ kind: 'command', name: 'x', start: [], stop: ['true'] }, execFileRunner),
    ).toThrow(/needs start and stop/);
  });
});

describe('systemd service manager', () => {
  /** A stand-in systemctl that logs its argv and fails on demand, as the real one would. */
  function fakeSystemctl(failOn: string | null): string {
    const path = join(dir, 'systemctl');
    const log = join(dir, 'systemctl.log');
    writeFileSync(
      path,
      `#!/bin/sh\necho "$*" >> "${log}"\nif [ "$1" = "${failOn ?? '-'}" ]; then echo "Job for $2.service failed because the control process exited with error code." >&2; exit 1; fi\nif [ "$1" = "is-active" ]; then exit 3; fi\nexit 0\n`,
    );
    chmodSync(path, 0o755);
    return path;
  }

  it('runs systemctl start/stop/is-active/daemon-reload through execFile', async () => {
    const manager = createServiceManager(
      { kind: 'systemd', serviceName: 'node_exporter', systemctl: [fakeSystemctl(null)] },
      execFileRunner,
    );
    await manager.stop();
    await manager.unitChanged();
    await manager.start();
    expect(await manager.isActive()).toBe(false);
    expect(readFileSync(join(dir, 'systemctl.log'), 'utf8').trim().split('\n')).toEqual([
      'stop node_exporter',
      'daemon-reload',
      'start node_exporter',
      'is-active --quiet node_exporter',
    ]);
  });

  it("shows systemctl's own error and points at the journal", async () => {
    const manager = createServiceManager(
      { kind: 'systemd', serviceName: 'node_exporter', systemctl: [fakeSystemctl('start')] },
      execFileRunner,
    );
    await expect(manager.start()).rejects.toMatchObject({
      code: 'SERVICE_FAILED',
      message: expect.stringContaining('control process exited with error code') as unknown,
      hint: expect.stringContaining('journalctl -u node_exporter') as unknown,
    });
  });

  it('reports a missing systemctl as SERVICE_FAILED with the spawn error', async () => {
    const manager = createServiceManager(
      { kind: 'systemd', serviceName: 'x', systemctl: [join(dir, 'nope')] },
      execFileRunner,
    );
    await expect(manager.start()).rejects.toMatchObject({
      code: 'SERVICE_FAILED',
      message: expect.stringContaining('ENOENT') as unknown,
    });
  });
});

describe('readServiceCommandLine', () => {
  it('prefers configured args, then the unit file, then the bare binary', async () => {
    const unit = join(dir, 'node_exporter.service');
    writeFileSync(unit, '[Service]\nExecStart=/usr/local/bin/node_exporter \\\n  --collector.diskstats\n');
    expect(
      await readServiceCommandLine({ binaryPath: '/b', configuredArgs: ['--x'], unitPath: unit }),
    ).toEqual({
      argv: ['/b', '--x'],
      source: 'configured',
    });
    expect(await readServiceCommandLine({ binaryPath: '/b', unitPath: unit })).toEqual({
      argv: ['/usr/local/bin/node_exporter', '--collector.diskstats'],
      source: 'unit-file',
    });
    expect(
      await readServiceCommandLine({ binaryPath: '/b', unitPath: join(dir, 'missing.service') }),
    ).toEqual({
      argv: ['/b'],
      source: 'none',
    });
  });
});
