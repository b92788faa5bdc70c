import { describe, expect, it } from 'vitest';
import { effectiveComponent, effectiveGlobal, loadPolicyConfig } from '@upkeep/policy';
import type { HealthCheckSpec } from '../health/health-check.types.ts';
import { RootPathMapper } from '../paths/root-path.service.ts';
import type { ServiceManager, ServiceManagerConfig } from '../service/service-manager.port.ts';
import { componentSetupFor, expandCommand, healthBudgetMs } from './component-runtime.service.ts';

function setup(yaml: string, name = 'x') {
  const config = loadPolicyConfig(yaml, 'versions.yaml');
  const managers: ServiceManagerConfig[] = [];
  const probes: HealthCheckSpec[] = [];
  const result = componentSetupFor(
    effectiveComponent(config, undefined, name),
    effectiveGlobal(config, undefined),
    {
      paths: new RootPathMapper('/host', '/home/op'),
      serviceManager: (managerConfig) => {
        managers.push(managerConfig);
        return { kind: managerConfig.kind } as ServiceManager;
      },
      healthProbe: (spec) => {
        probes.push(spec);
        return () => Promise.resolve({ ok: true, detail: 'double' });
      },
      owner: (user, group) => (user === undefined && group === undefined ? undefined : { uid: 7, gid: 8 }),
    },
  );
  return { result, managers, probes };
}

describe('componentSetupFor', () => {
  it('fills the defaults: binary under --root, systemd with its unit path, version check, retention', () => {
    const { result, managers, probes } = setup('components:\n  x:\n    github_repo: a/x\n');
    expect(result.runtime).toMatchObject({
      binaryPath: '/host/usr/local/bin/x',
      configPath: null,
      unitPath: '/host/etc/systemd/system/x.service',
      serviceName: 'x',
      mode: 0o755,
      owner: undefined,
      healthProbe: null,
      versionCheck: { argv: undefined, pattern: undefined },
      retention: { keepCount: 3, maxAgeDays: 30, maxTotalBytes: 1000 * 1024 * 1024 },
    });
    expect(managers).toEqual([{ kind: 'systemd', serviceName: 'x' }]);
    expect(probes).toEqual([]);
    expect(result.configuredArgs).toBeUndefined();
  });

  it('expands {BINARY} and {ARGS} in the command manager, maps paths, reads the health check', () => {
    const { result, managers, probes } = setup(`
components:
  x:
    github_repo: a/x
    install:
      binary_path: /opt/x/bin/x
      config_path: /etc/x.yml
      service_manager: command
      mode: "0750"
      owner: x
      args: ["--port=9", "--config={BINARY}.yml"]
      commands:
        start: [sv, start, "{BINARY}", "{ARGS}"]
        stop: [sv, stop, x]
    health_check:
      type: tcp
      port: 9
      timeout: 2s
      retries: 3
      interval: 500ms
      min_healthy_time: 5s
    version_check:
      command: ["{BINARY}", version]
      pattern: 'v(\\S+)'
`);
    expect(managers).toEqual([
      {
        kind: 'command',
        name: 'x',
        start: ['sv', 'start', '/host/opt/x/bin/x', '--port=9', '--config=/host/opt/x/bin/x.yml'],
        stop: ['sv', 'stop', 'x'],
        status: undefined,
      },
    ]);
    expect(probes).toEqual([{ type: 'tcp', host: '127.0.0.1', port: 9 }]);
    expect(result.runtime).toMatchObject({
      configPath: '/host/etc/x.yml',
      unitPath: null,
      mode: 0o750,
      owner: { uid: 7, gid: 8 },
      healthTiming: { timeoutMs: 2000, retries: 3, intervalMs: 500, minHealthyMs: 5000 },
      versionCheck: { argv: ['/host/opt/x/bin/x', 'version'], pattern: 'v(\\S+)' },
    });
    expect(healthBudgetMs(result.runtime.healthTiming)).toBe(4 * 2500 + 5000);
  });

  it('refuses a command manager without start and stop, and an http check without a url', () => {
    expect(() =>
      setup('components:\n  x:\n    github_repo: a/x\n    install:\n      service_manager: command\n'),
    ).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('commands') as unknown,
      }),
    );
    expect(() =>
      setup('components:\n  x:\n    github_repo: a/x\n    health_check:\n      type: http\n'),
    ).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('url') as unknown }),
    );
  });
});

describe('expandCommand', () => {
  it('replaces {BINARY} inside arguments and spreads {ARGS}', () => {
    expect(expandCommand(['run', '{ARGS}', '--bin={BINARY}'], '/b', ['-a', '-b'])).toEqual([
      'run',
      '-a',
      '-b',
      '--bin=/b',
    ]);
  });
});
