// A host in a folder for the agent's end-to-end tests and the demo: the agent's
// versions.yaml (host paths, placed under the folder with --root), the
// demo_exporter component run by the `command` service manager through
// service-ctl, its health check, and the breaking change 2.0.0 brings.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toYaml } from './yaml-text.ts';

export const DEMO_COMPONENT = 'demo_exporter';
export const DEMO_REPO = 'demo/demo_exporter';
export const SERVICE_CTL = fileURLToPath(new URL('../exporter/service-ctl.ts', import.meta.url));

export interface DemoHostOptions {
  /** The local upstream's base URL (GitHub API). */
  readonly upstreamUrl: string;
  /** Where the exporter listens. */
  readonly port: number;
  /** Extra arguments of the service (the host's real command line). */
  readonly extraArgs?: readonly string[];
  /** Health check timing; the defaults keep a failing check short. */
  readonly health?: Readonly<Record<string, string | number>>;
  readonly requireChecksum?: boolean;
  /** Merged over the component's config. */
  readonly component?: Readonly<Record<string, unknown>>;
  /** Merged over `global`. */
  readonly global?: Readonly<Record<string, unknown>>;
}

/** Host paths (as the config writes them) and where they are in the folder. */
export function demoPaths(root: string) {
  return {
    config: join(root, 'etc/upkeep/versions.yaml'),
    binary: join(root, 'usr/local/bin', DEMO_COMPONENT),
    exporterConfig: join(root, 'etc', DEMO_COMPONENT, 'config.yml'),
    pidFile: join(root, 'run', `${DEMO_COMPONENT}.pid`),
    stateDb: join(root, 'var/lib/upkeep/state.db'),
    metrics: join(root, 'var/lib/node_exporter/textfile_collector/upkeep.prom'),
    log: join(root, 'var/log/upkeep-agent.log'),
  };
}

/** One demo_exporter-like component of the host: its source, install, service commands and health check. */
export function exporterComponent(
  root: string,
  options: {
    readonly name: string;
    readonly repo: string;
    readonly port: number;
    readonly extraArgs?: readonly string[] | undefined;
    readonly health?: Readonly<Record<string, string | number>> | undefined;
  },
): Record<string, unknown> {
  const pidFile = join(root, 'run', `${options.name}.pid`);
  const ctl = (...args: string[]) => [process.execPath, SERVICE_CTL, ...args];
  return {
    strategy: 'latest',
    github_repo: options.repo,
    download: {
      archive_type: 'tar.gz',
      archive_pattern: 'demo_exporter-{VERSION}.linux-amd64.tar.gz',
      binary_path_in_archive: 'demo_exporter-{VERSION}.linux-amd64/demo_exporter',
      checksum_file: 'sha256sums.txt',
    },
    constraints: { architecture: 'linux-amd64' },
    install: {
      binary_path: `/usr/local/bin/${options.name}`,
      config_path: `/etc/${options.name}/config.yml`,
      service_name: options.name,
      service_manager: 'command',
      args: [`--web.listen-address=127.0.0.1:${String(options.port)}`, ...(options.extraArgs ?? [])],
      commands: {
        start: ctl('start', pidFile, '{BINARY}', '{ARGS}'),
        stop: ctl('stop', pidFile),
        status: ctl('status', pidFile),
      },
    },
    health_check: {
      type: 'http',
      url: `http://127.0.0.1:${String(options.port)}/metrics`,
      expected_status: 200,
      body_contains: 'demo_exporter_build_info',
      timeout: '1s',
      retries: 4,
      interval: '200ms',
      min_healthy_time: '300ms',
      ...options.health,
    },
    upgrade: { require_manual_approval_for_major: true },
  };
}

/** The versions.yaml of the demo host, as data. */
export function demoHostConfig(root: string, options: DemoHostOptions): Record<string, unknown> {
  return {
    global: {
      github_api: { base_url: options.upstreamUrl, timeout: 5, cache_ttl: 1 },
      cache: { directory: '/var/cache/upkeep', ttl: 1 },
      state_db: { path: '/var/lib/upkeep/state.db' },
      metrics: { textfile_dir: '/var/lib/node_exporter/textfile_collector' },
      safety: {
        require_checksum_verification: options.requireChecksum ?? true,
        rollback: { auto_rollback_on_failure: true, retention_count: 3 },
      },
      advisories: { enabled: false },
      ...options.global,
    },
    components: {
      [DEMO_COMPONENT]: {
        ...exporterComponent(root, {
          name: DEMO_COMPONENT,
          repo: DEMO_REPO,
          port: options.port,
          extraArgs: options.extraArgs,
          health: options.health,
        }),
        ...options.component,
      },
    },
    breaking_changes: [
      {
        component: DEMO_COMPONENT,
        from_version: '1.2.0',
        to_version: '2.0.0',
        change_type: 'flag_removal',
        description: 'Removed the deprecated --collector.diskstats flag',
        migration_guide: 'Use --collector.diskstats.ignored-devices instead',
        severity: 'high',
        flag: '--collector.diskstats',
      },
    ],
  };
}

/** Writes a versions.yaml (data) into the host folder, and the components' own config files. */
export function writeHostConfig(root: string, config: Record<string, unknown>): string {
  const paths = demoPaths(root);
  mkdirSync(dirname(paths.config), { recursive: true });
  mkdirSync(join(root, 'run'), { recursive: true });
  for (const name of Object.keys(config['components'] ?? {})) {
    mkdirSync(join(root, 'etc', name), { recursive: true });
    writeFileSync(
      join(root, 'etc', name, 'config.yml'),
      `# ${name} configuration\ncollectors: [cpu, meminfo, diskstats]\n`,
    );
  }
  writeFileSync(
    paths.config,
    `# versions.yaml of a host in ${root} (the agent runs with --root ${root})\n${toYaml(config)}`,
  );
  return paths.config;
}

/** Lays out the host folder: its versions.yaml and the exporter's own config file. */
export function writeDemoHost(root: string, options: DemoHostOptions): string {
  return writeHostConfig(root, demoHostConfig(root, options));
}

/** Stops the host's services if they run (test and demo clean-up). */
export function stopDemoService(root: string, names: readonly string[] = [DEMO_COMPONENT]): void {
  for (const name of names) {
    try {
      execFileSync(process.execPath, [SERVICE_CTL, 'stop', join(root, 'run', `${name}.pid`)], {
        stdio: 'ignore',
        timeout: 10_000,
      });
    } catch {
      // Already gone.
    }
  }
}
