// A whole fleet on one machine for end-to-end tests, `pnpm demo:fleet` and
// bench/rollout: the local upstream publishing demo_exporter, a real control-plane
// process, N host folders (each a demo host: versions.yaml, a demo_exporter service
// on a port of its own, the agent's state), enrolled with groups and labels, and
// `upkeep-agent run` processes serving several host folders each.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_COMPONENT, DEMO_REPO, demoPaths, writeDemoHost } from '../agent/demo-host.ts';
import { servedVersion } from '../exporter/exporter-program.ts';
import { eventually } from '../eventually.ts';
import { freePort } from '../free-port.ts';
import { runAgent, runUpkeep, type ProcessResult } from '../run-process.ts';
import { startUpstream, type Upstream } from '../upstream/index.ts';
import { startAgentProcess, type AgentProcess } from './agent-process.ts';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  startControlPlaneProcess,
  type ControlPlaneProcess,
  type Role,
} from './control-plane-process.ts';
import { FLEET_RELEASES, upstreamReleases, type FleetRelease } from './fleet-releases.ts';

export { eventually };

export { DEMO_COMPONENT } from '../agent/demo-host.ts';

export interface FleetHostSpec {
  /** Host name (and folder name). */
  readonly name: string;
  readonly groups?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra arguments of this host's demo_exporter service. */
  readonly extraArgs?: readonly string[];
}

export interface FleetHost {
  readonly name: string;
  readonly root: string;
  readonly port: number;
  readonly groups: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The control plane's host id. */
  id: string;
}

export interface FleetOptions {
  readonly hosts: readonly FleetHostSpec[];
  /** Host folders per `upkeep-agent run` process (default 3). */
  readonly hostsPerAgent?: number;
  /** Where everything goes (default a new temp folder, removed by stop()). */
  readonly dir?: string;
  readonly releases?: readonly FleetRelease[];
  /** Installed on every host through control-plane jobs before start() returns; null: nothing. Default 1.0.0. */
  readonly initialVersion?: string | null;
  /** The control plane's versions.yaml (UPKEEP_POLICY_FILE); default fleetPolicyYaml. */
  readonly policy?: (upstreamUrl: string) => string;
  readonly heartbeatSeconds?: number;
  readonly databaseUrl?: string;
  readonly redisUrl?: string;
  readonly schema?: string;
  readonly queuePrefix?: string;
  readonly httpPort?: number;
  readonly grpcPort?: number;
  /**
   * The gRPC address (host:port, the name on the server certificate) the agents enroll with
   * and keep dialing: a load balancer in front of replicas. Default the control plane's own.
   */
  readonly agentServer?: string;
  /**
   * Runs once the control plane is ready, before any host enrolls (`dir` is the fleet's
   * folder): a test starts another replica here, so that it is up before the first agent connects.
   */
  readonly beforeHosts?: (controlPlane: ControlPlaneProcess, dir: string) => Promise<void>;
  readonly controlPlaneLogLevel?: string;
  readonly controlPlaneEnv?: Readonly<Record<string, string>>;
  /** Progress lines (start-up takes a while for big fleets). */
  readonly progress?: (line: string) => void;
}

export interface ApiReply<T> {
  readonly status: number;
  readonly body: T;
}

export interface Fleet {
  readonly dir: string;
  readonly upstream: Upstream;
  readonly controlPlane: ControlPlaneProcess;
  /** API tokens by role; `approver2` is a second approver (two-approval policies). */
  readonly tokens: Readonly<Record<Role | 'approver2', string>>;
  readonly hosts: readonly FleetHost[];
  readonly agents: readonly AgentProcess[];
  host(name: string): FleetHost;
  /** A REST call with a token (default the operator's). */
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<ApiReply<T>>;
  /** The `upkeep` command line, logged in with a token (default the operator's). */
  upkeep(args: readonly string[], token?: string): Promise<ProcessResult>;
  /** sha256 of each host's installed demo_exporter binary (null when absent), by host name. */
  binaryHashes(): Record<string, string | null>;
  /** The version each host's running exporter serves (null when it does not answer), by host name. */
  servedVersions(): Promise<Record<string, string | null>>;
  /** The version of demo_exporter each host last reported to the control plane, by host name. */
  reportedVersions(): Promise<Record<string, string | null>>;
  /** Upgrades the hosts (default all) through plain control-plane jobs and waits for them. */
  installThroughJobs(version: string, hosts?: readonly FleetHost[]): Promise<void>;
  /** CPU seconds of the agent processes (with their reaped children: the service commands). */
  agentCpuSeconds(): number;
  /** Stops agents, services, control plane (dropping its data) and upstream; removes the folder. */
  stop(options?: { readonly keepDir?: boolean }): Promise<void>;
}

/**
 * The control plane's versions.yaml: demo_exporter discovered from the local upstream,
 * the `prod` environment, patches automatic, majors held for two approvals.
 */
export function fleetPolicyYaml(upstreamUrl: string): string {
  return `# The fleet's components, discovered from the local upstream.
global:
  github_api:
    base_url: ${upstreamUrl}
  advisories:
    enabled: false
components:
  ${DEMO_COMPONENT}:
    strategy: latest
    github_repo: ${DEMO_REPO}
    download:
      archive_type: tar.gz
      archive_pattern: "demo_exporter-{VERSION}.linux-amd64.tar.gz"
      binary_path_in_archive: "demo_exporter-{VERSION}.linux-amd64/demo_exporter"
      checksum_file: sha256sums.txt
    constraints:
      architecture: linux-amd64
environments:
  prod: {}
upgrade_policies:
  approvals:
    forbid_self_approval: true
    patch: { required: 0 }
    minor: { required: 1, stage: after_first_wave }
    # Two approvers before the start; maintenance windows have tests of their own.
    major: { required: 2, stage: before_start, maintenance_window: false }
`;
}

/**
 * SIGTERM to the host's demo_exporter by its pid file: what `service-ctl stop`
 * does without a process per host (a big fleet stops in a moment).
 */
function stopServiceNow(root: string): void {
  const pidFile = join(root, 'run', `${DEMO_COMPONENT}.pid`);
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGTERM');
  } catch {
    // not running
  }
}

function sha256OfFile(path: string): string | null {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : null;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface HostPage {
  readonly items: readonly {
    readonly id: string;
    readonly hostname: string;
    readonly lastSeenAt: string | null;
    readonly installed?: readonly { readonly name: string; readonly version: string }[];
  }[];
  readonly nextCursor: string | null;
}

/** Starts the whole fleet; on failure, whatever was started is stopped again. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const progress = options.progress ?? (() => undefined);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'upkeep-fleet-'));
  const ownsDir = options.dir === undefined;
  const node = process.execPath;
  const cleanups: (() => Promise<void>)[] = [];
  const agents: AgentProcess[] = [];
  const hosts: FleetHost[] = [];

  const stopAll = async (keepDir: boolean): Promise<void> => {
    await Promise.all(agents.map((agent) => agent.stop()));
    for (const host of hosts) stopServiceNow(host.root);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    if (ownsDir && !keepDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    progress('starting the local upstream (GitHub releases API) with demo_exporter releases');
    const upstream = await startUpstream({
      github: { [DEMO_REPO]: upstreamReleases(options.releases ?? FLEET_RELEASES, node) },
    });
    cleanups.push(() => upstream.close());

    const policyFile = join(dir, 'control-plane/versions.yaml');
    mkdirSync(join(dir, 'control-plane'), { recursive: true });
    writeFileSync(policyFile, (options.policy ?? fleetPolicyYaml)(upstream.url));
    progress('building and starting the control plane');
    const controlPlane = await startControlPlaneProcess({
      dir: join(dir, 'control-plane'),
      policyFile,
      databaseUrl: options.databaseUrl ?? DEFAULT_DATABASE_URL,
      redisUrl: options.redisUrl ?? DEFAULT_REDIS_URL,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.queuePrefix === undefined ? {} : { queuePrefix: options.queuePrefix }),
      ...(options.httpPort === undefined ? {} : { httpPort: options.httpPort }),
      ...(options.grpcPort === undefined ? {} : { grpcPort: options.grpcPort }),
      ...(options.controlPlaneLogLevel === undefined ? {} : { logLevel: options.controlPlaneLogLevel }),
      ...(options.controlPlaneEnv === undefined ? {} : { extraEnv: options.controlPlaneEnv }),
    });
    cleanups.push(() => controlPlane.stop({ dropData: true }));

    const admin = await controlPlane.createApiToken('fleet admin', 'admin');
    const api = async <T>(
      method: string,
      path: string,
      body?: unknown,
      token = admin,
    ): Promise<ApiReply<T>> => {
      const response = await fetch(`${controlPlane.httpUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed as T };
    };
    const tokenOf = async (name: string, role: Role): Promise<string> => {
      const created = await api<{ token: string }>('POST', '/api/api-tokens', { name, role });
      if (created.status !== 201)
        throw new Error(`creating the ${role} token: ${JSON.stringify(created.body)}`);
      return created.body.token;
    };
    const tokens = {
      admin,
      operator: await tokenOf('fleet operator', 'operator'),
      approver: await tokenOf('fleet approver', 'approver'),
      approver2: await tokenOf('fleet second approver', 'approver'),
      viewer: await tokenOf('fleet viewer', 'viewer'),
    };

    await options.beforeHosts?.(controlPlane, dir);

    progress(`laying out ${String(options.hosts.length)} host folders`);
    const usedPorts = new Set<number>();
    for (const spec of options.hosts) {
      let port = await freePort();
      while (usedPorts.has(port)) port = await freePort();
      usedPorts.add(port);
      const root = join(dir, 'hosts', spec.name);
      writeDemoHost(root, {
        upstreamUrl: upstream.url,
        port,
        ...(spec.extraArgs === undefined ? {} : { extraArgs: spec.extraArgs }),
      });
      hosts.push({
        name: spec.name,
        root,
        port,
        groups: spec.groups ?? [],
        labels: spec.labels ?? {},
        id: '',
      });
    }

    progress('enrolling the hosts (one enrollment token per group and label set)');
    const bySet = new Map<string, FleetHost[]>();
    for (const host of hosts) {
      const key = JSON.stringify([[...host.groups].sort(), Object.entries(host.labels).sort()]);
      bySet.set(key, [...(bySet.get(key) ?? []), host]);
    }
    for (const members of bySet.values()) {
      const first = members[0];
      if (first === undefined) continue;
      const token = await api<{ token: string }>('POST', '/api/enrollment-tokens', {
        description: `fleet hosts ${first.groups.join(',')}`,
        labels: first.labels,
        groups: first.groups,
        singleUse: false,
        ttlSeconds: 3600,
      });
      if (token.status !== 201) throw new Error(`enrollment token: ${JSON.stringify(token.body)}`);
      for (const batch of chunks(members, 50)) {
        const enrolled = await runAgent(
          [
            'enroll',
            '--server',
            options.agentServer ?? controlPlane.grpcAddress,
            '--token',
            token.body.token,
            '--ca-file',
            controlPlane.caFile,
            '--json',
            ...batch.flatMap((host) => ['--host-root', host.root]),
          ],
          { timeoutMs: 300_000 },
        );
        if (enrolled.code !== 0) throw new Error(`enrollment failed: ${enrolled.stderr}`);
        const reports = JSON.parse(enrolled.stdout) as { agent_id: string; hostname: string }[];
        for (const report of reports) {
          const host = batch.find((h) => h.name === report.hostname);
          if (host !== undefined) host.id = report.agent_id;
        }
      }
    }

    const perAgent = Math.max(1, options.hostsPerAgent ?? 3);
    progress(
      `starting ${String(Math.ceil(hosts.length / perAgent))} agent processes (${String(perAgent)} hosts each)`,
    );
    for (const batch of chunks(hosts, perAgent)) {
      agents.push(
        startAgentProcess(
          batch.map((host) => host.root),
          { heartbeatSeconds: options.heartbeatSeconds ?? 1 },
        ),
      );
    }

    const listHosts = async (): Promise<HostPage['items'][number][]> => {
      const all: HostPage['items'][number][] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/api/hosts?limit=500${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page: ApiReply<HostPage> = await api<HostPage>('GET', query);
        if (page.status !== 200) throw new Error(`GET /api/hosts: ${JSON.stringify(page.body)}`);
        all.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      return all;
    };
    const reportedVersions = async (): Promise<Record<string, string | null>> => {
      const versions: Record<string, string | null> = {};
      // One host at a time: the list does not carry the inventory.
      for (const host of hosts) {
        const view = await api<{ installed?: { name: string; version: string }[] }>(
          'GET',
          `/api/hosts/${host.id}`,
        );
        versions[host.name] = view.body.installed?.find((c) => c.name === DEMO_COMPONENT)?.version ?? null;
      }
      return versions;
    };

    await eventually(
      async () => {
        const seen = await listHosts();
        const connected = seen.filter((h) => h.lastSeenAt !== null).length;
        const dead = agents.find((agent) => !agent.running());
        if (dead !== undefined) throw new Error(`an agent process exited: ${dead.output().slice(-2000)}`);
        return connected >= hosts.length ? true : undefined;
      },
      'every host to connect',
      120_000 + hosts.length * 1000,
      500,
    );

    const installThroughJobs = async (
      version: string,
      targets: readonly FleetHost[] = hosts,
    ): Promise<void> => {
      const ids: string[] = [];
      for (const host of targets) {
        const job = await api<{ id: string }>('POST', '/api/jobs', {
          hostId: host.id,
          kind: 'upgrade',
          component: DEMO_COMPONENT,
          targetVersion: version,
        });
        if (job.status !== 201) throw new Error(`job for ${host.name}: ${JSON.stringify(job.body)}`);
        ids.push(job.body.id);
      }
      const open = new Set(ids);
      await eventually(
        async () => {
          for (const id of [...open]) {
            const job = await api<{ state: string; result: { message?: string } | null }>(
              'GET',
              `/api/jobs/${id}`,
            );
            if (job.body.state === 'succeeded') open.delete(id);
            else if (['failed', 'refused', 'expired', 'cancelled'].includes(job.body.state))
              throw new Error(`job ${id} ${job.body.state}: ${JSON.stringify(job.body.result)}`);
          }
          return open.size === 0 ? true : undefined;
        },
        `${String(ids.length)} upgrade jobs to ${version}`,
        120_000 + ids.length * 3000,
        500,
      );
    };

    const initial = options.initialVersion === undefined ? '1.0.0' : options.initialVersion;
    if (initial !== null) {
      progress(`installing ${DEMO_COMPONENT} ${initial} on every host (control-plane jobs)`);
      await installThroughJobs(initial);
      await eventually(
        async () => {
          const versions = await reportedVersions();
          return Object.values(versions).every((v) => v === initial) ? true : undefined;
        },
        `every host to report ${initial}`,
        60_000 + hosts.length * 500,
        500,
      );
    }

    const loggedIn = new Map<string, string>();
    const upkeep = async (args: readonly string[], token = tokens.operator): Promise<ProcessResult> => {
      let config = loggedIn.get(token);
      if (config === undefined) {
        config = join(dir, 'cli', String(loggedIn.size));
        mkdirSync(config, { recursive: true });
        const env = { ...process.env, XDG_CONFIG_HOME: config };
        const login = await runUpkeep(['login', '--server', controlPlane.httpUrl], {
          env,
          input: `${token}\n`,
        });
        if (login.code !== 0) throw new Error(`upkeep login failed: ${login.stderr}`);
        loggedIn.set(token, config);
      }
      return runUpkeep(args, {
        env: { ...process.env, XDG_CONFIG_HOME: config },
        timeoutMs: 120_000,
      });
    };

    return {
      dir,
      upstream,
      controlPlane,
      tokens,
      hosts,
      agents,
      host: (name) => {
        const host = hosts.find((h) => h.name === name);
        if (host === undefined) throw new Error(`no host ${name} in this fleet`);
        return host;
      },
      api: (method, path, body, token = tokens.operator) => api(method, path, body, token),
      upkeep,
      binaryHashes: () =>
        Object.fromEntries(hosts.map((h) => [h.name, sha256OfFile(demoPaths(h.root).binary)])),
      servedVersions: async () =>
        Object.fromEntries(
          await Promise.all(hosts.map(async (h) => [h.name, await servedVersion(h.port)] as const)),
        ),
      reportedVersions,
      installThroughJobs,
      agentCpuSeconds: () =>
        agents.reduce((sum, agent) => {
          const cpu = agent.cpu();
          return sum + (cpu === null ? 0 : cpu.self + cpu.children);
        }, 0),
      stop: async (stopOptions = {}) => {
        await stopAll(stopOptions.keepDir === true);
      },
    };
  } catch (error) {
    await stopAll(false);
    throw error;
  }
}
