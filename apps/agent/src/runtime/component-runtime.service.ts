import { UpkeepError } from '@upkeep/errors';
import type { EffectiveComponent, EffectiveGlobal } from '@upkeep/policy';
import type { HealthCheckSpec, HealthTiming } from '../health/health-check.types.ts';
import { DEFAULT_HEALTH_TIMING } from '../health/health-check.types.ts';
import type { FileOwner } from '../install/atomic-file.repository.ts';
import type { ComponentRuntime } from '../install/upgrade-plan.types.ts';
import type { RootPathMapper } from '../paths/root-path.service.ts';
import type { RetentionPolicy } from '../rollback/rollback-point.service.ts';
import type { ServiceManager, ServiceManagerConfig } from '../service/service-manager.port.ts';
import type { HealthProbe } from '../health/health-check.types.ts';

/** What the runtime mapping needs from the outside world (real ports in main, doubles in tests). */
export interface RuntimePorts {
  readonly paths: RootPathMapper;
  readonly serviceManager: (config: ServiceManagerConfig) => ServiceManager;
  readonly healthProbe: (spec: HealthCheckSpec) => HealthProbe;
  /** uid/gid of `install.owner` / `install.group`; undefined when none is configured. */
  readonly owner: (user: string | undefined, group: string | undefined) => FileOwner | undefined;
}

/** A component's runtime plus what the flow shows or passes on. */
export interface ComponentSetup {
  readonly runtime: ComponentRuntime;
  /** `install.args` with placeholders expanded; undefined when not configured. */
  readonly configuredArgs: readonly string[] | undefined;
  readonly healthSpec: HealthCheckSpec | null;
  readonly serviceManager: ServiceManagerConfig['kind'];
}

/**
 * Expands `{BINARY}` (the binary's path, under --root) inside each argument, and an
 * argument that is exactly `{ARGS}` into `install.args`, so commands of the
 * `command` service manager (runit, s6, supervisord wrappers) need not repeat them.
 */
export function expandCommand(argv: readonly string[], binary: string, args: readonly string[]): string[] {
  return argv.flatMap((arg) => (arg === '{ARGS}' ? [...args] : [arg.replaceAll('{BINARY}', binary)]));
}

function healthSpecOf(component: EffectiveComponent): HealthCheckSpec | null {
  const hc = component.health_check;
  if (hc === undefined) return null;
  const type =
    hc.type ??
    (hc.url !== undefined
      ? 'http'
      : hc.command !== undefined
        ? 'command'
        : hc.port !== undefined
          ? 'tcp'
          : null);
  const missing = (key: string): UpkeepError =>
    new UpkeepError('CONFIG_INVALID', `components.${component.name}.health_check needs ${key}`, {
      details: { component: component.name, key },
      hint: `set health_check.${key}, or remove health_check to rely on the service manager alone`,
    });
  switch (type) {
    case null:
      return null;
    case 'http':
      if (hc.url === undefined) throw missing('url');
      return {
        type: 'http',
        url: hc.url,
        expectedStatus: hc.expected_status,
        bodyContains: hc.body_contains,
      };
    case 'tcp':
      if (hc.port === undefined) throw missing('port');
      return { type: 'tcp', host: hc.host ?? '127.0.0.1', port: hc.port };
    case 'command':
      if (hc.command === undefined) throw missing('command');
      return { type: 'command', argv: hc.command };
  }
}

function healthTimingOf(component: EffectiveComponent): HealthTiming {
  const hc = component.health_check ?? {};
  const ms = (seconds: number | undefined, fallback: number) =>
    seconds === undefined ? fallback : Math.round(seconds * 1000);
  return {
    timeoutMs: ms(hc.timeout, DEFAULT_HEALTH_TIMING.timeoutMs),
    retries: hc.retries ?? DEFAULT_HEALTH_TIMING.retries,
    intervalMs: ms(hc.interval, DEFAULT_HEALTH_TIMING.intervalMs),
    minHealthyMs: ms(hc.min_healthy_time, DEFAULT_HEALTH_TIMING.minHealthyMs),
  };
}

/** The longest a health check may take before it gives up: the upper bound of downtime it adds. */
export function healthBudgetMs(timing: HealthTiming): number {
  return (timing.retries + 1) * (timing.timeoutMs + timing.intervalMs) + timing.minHealthyMs;
}

/** The seed's rollback retention, from `global.safety.rollback`. */
export function retentionOf(global: EffectiveGlobal): RetentionPolicy {
  const rollback = global.safety.rollback;
  return {
    keepCount: rollback.retention_count,
    maxAgeDays: rollback.retention_days,
    maxTotalBytes: rollback.max_size_mb * 1024 * 1024,
  };
}

/** Where a component's binary goes when versions.yaml names no install.binary_path. */
export const DEFAULT_BINARY_DIR = '/usr/local/bin';
/** Where a systemd component's unit is read and rewritten when no install.unit_path is named. */
export const DEFAULT_UNIT_DIR = '/etc/systemd/system';

/**
 * Maps one effective component onto what the agent operates: its paths under
 * --root (binary default `/usr/local/bin/<name>`, systemd unit default
 * `/etc/systemd/system/<service>.service`), its service manager (default
 * systemd), health check and timing (defaults 5 s timeout, 10 retries, 1 s
 * apart), version check (default `<binary> --version`), mode (default 0755),
 * owner, and rollback retention.
 * @throws UpkeepError CONFIG_INVALID naming the key.
 */
export function componentSetupFor(
  component: EffectiveComponent,
  global: EffectiveGlobal,
  ports: RuntimePorts,
): ComponentSetup {
  const name = component.name;
  const install = component.install ?? {};
  const key = (field: string) => `components.${name}.install.${field}`;
  const binaryPath = ports.paths.map(
    install.binary_path ?? `${DEFAULT_BINARY_DIR}/${name}`,
    key('binary_path'),
  );
  const serviceName = install.service_name ?? name;
  const kind = install.service_manager ?? 'systemd';
  const args = install.args?.map((arg) => arg.replaceAll('{BINARY}', binaryPath));
  let manager: ServiceManagerConfig;
  switch (kind) {
    case 'systemd':
      manager = { kind: 'systemd', serviceName };
      break;
    case 'command': {
      const commands = install.commands ?? {};
      if (commands.start === undefined || commands.stop === undefined) {
        throw new UpkeepError(
          'CONFIG_INVALID',
          `${key('commands')} needs start and stop for service_manager "command"`,
          {
            details: { component: name },
            hint: 'set install.commands.start and install.commands.stop as argument lists ({BINARY} and {ARGS} are filled in)',
          },
        );
      }
      const expand = (argv: readonly string[]) => expandCommand(argv, binaryPath, args ?? []);
      manager = {
        kind: 'command',
        name: serviceName,
        start: expand(commands.start),
        stop: expand(commands.stop),
        status: commands.status === undefined ? undefined : expand(commands.status),
      };
      break;
    }
    case 'none':
      manager = { kind: 'none' };
      break;
  }
  const unitPath =
    install.unit_path !== undefined
      ? ports.paths.map(install.unit_path, key('unit_path'))
      : kind === 'systemd'
        ? ports.paths.map(`${DEFAULT_UNIT_DIR}/${serviceName}.service`, key('unit_path'))
        : null;
  const healthSpec = healthSpecOf(component);
  const versionCheck = component.version_check;
  const runtime: ComponentRuntime = {
    component: name,
    binaryPath,
    configPath: ports.paths.mapOptional(install.config_path, key('config_path')),
    unitPath,
    serviceName: kind === 'none' ? null : serviceName,
    mode: install.mode === undefined ? 0o755 : parseInt(install.mode, 8),
    owner: ports.owner(install.owner, install.group),
    service: ports.serviceManager(manager),
    healthProbe: healthSpec === null ? null : ports.healthProbe(healthSpec),
    healthTiming: healthTimingOf(component),
    versionCheck: {
      argv:
        versionCheck?.command === undefined ? undefined : expandCommand(versionCheck.command, binaryPath, []),
      pattern: versionCheck?.pattern,
    },
    retention: retentionOf(global),
  };
  return { runtime, configuredArgs: args, healthSpec, serviceManager: kind };
}
