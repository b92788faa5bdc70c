import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentSession, AgentSessionOptions } from '@upkeep/agent-client';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import type { ApiRole } from '../auth/api-role.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { fixturePolicyYaml, nodeExporterRelease } from './discovery-fixture.ts';
import { enrollTestAgent, eventually, startTestAgent, TEST_OPERATOR } from './test-agent.ts';
import { createTestEnvironment, type TestEnvironment } from './test-control-plane.ts';

/** How a fixture host's agent answers an upgrade job. */
export type HostBehaviour = 'succeed' | 'fail-and-roll-back';

export interface ConsoleFixtureHost {
  readonly hostname: string;
  readonly groups: readonly string[];
  /** The `env` label: `staging` follows the newest release, `prod` pins node_exporter 1.7.0. */
  readonly env?: string;
  readonly version: string;
  readonly behaviour?: HostBehaviour;
}

export interface ConsoleFixtureOptions {
  readonly consoleDir: string;
  readonly hosts: readonly ConsoleFixtureHost[];
  /** How long each agent takes over an upgrade, so progress is visible live (default 400 ms). */
  readonly jobDurationMs?: number;
}

export interface ConsoleFixture {
  readonly url: string;
  /** One API token per role, named after it (`viewer-vera`, `approver-abe`, …). */
  readonly tokens: Readonly<Record<ApiRole, string>>;
  readonly hostIds: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export const FIXTURE_TOKEN_NAMES: Readonly<Record<ApiRole, string>> = {
  viewer: 'viewer-vera',
  operator: 'operator-olga',
  approver: 'approver-abe',
  admin: 'admin-ada',
};

/**
 * A real control plane (own schema, queue prefix, ports) serving the built console,
 * discovery against a local upstream (node_exporter 1.6.0, 1.7.0, 1.8.0 and an
 * advisory fixed in 1.8.0), one API token per role and one real agent session per
 * host whose installed node_exporter changes when an upgrade job succeeds.
 */
export async function startConsoleFixture(options: ConsoleFixtureOptions): Promise<ConsoleFixture> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const upstream: Upstream = await startUpstream({
      github: {
        'prometheus/node_exporter': [
          nodeExporterRelease('1.8.0', '2026-10-01T00:00:00Z'),
          nodeExporterRelease('1.7.0', '2026-06-12T00:00:00Z'),
          nodeExporterRelease('1.6.0', '2026-02-03T00:00:00Z'),
        ],
      },
      osv: [
        {
          id: 'GO-2026-0042',
          summary: 'collector crash on a malformed /proc entry, fixed in 1.8.0',
          modified: '2026-10-02T00:00:00Z',
          published: '2026-10-02T00:00:00Z',
          database_specific: { severity: 'HIGH' },
          affected: [
            {
              package: { ecosystem: 'Go', name: 'github.com/prometheus/node_exporter' },
              ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.8.0' }] }],
            },
          ],
        },
      ],
    });
    cleanups.push(() => upstream.close());
    const dir = await mkdtemp(join(tmpdir(), 'upkeep-console-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const policyFile = join(dir, 'versions.yaml');
    await writeFile(
      policyFile,
      fixturePolicyYaml(upstream.url).replace(
        'environments:\n',
        'environments:\n  staging:\n    component_overrides:\n      node_exporter:\n        strategy: latest\n',
      ),
    );
    const environment: TestEnvironment = await createTestEnvironment({
      extraEnv: {
        UPKEEP_POLICY_FILE: policyFile,
        UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600',
        UPKEEP_CONSOLE_DIR: options.consoleDir,
        UPKEEP_RECONCILE_INTERVAL_MS: '2000',
      },
    });
    cleanups.push(() => environment.cleanup());
    const controlPlane = await environment.start();
    const url = controlPlane.httpUrl;

    const tokenService = controlPlane.app.get(ApiTokenService);
    const tokens = {} as Record<ApiRole, string>;
    for (const [role, name] of Object.entries(FIXTURE_TOKEN_NAMES) as [ApiRole, string][]) {
      tokens[role] = (await tokenService.create(name, role, null, TEST_OPERATOR)).token;
    }

    const sessions: AgentSession[] = [];
    cleanups.push(async () => {
      await Promise.all(sessions.map((session) => session.stop()));
    });
    const hostIds: Record<string, string> = {};
    for (const host of options.hosts) {
      const identity = await enrollTestAgent(environment, controlPlane, host.hostname, {
        description: `console fixture ${host.hostname}`,
        labels: host.env === undefined ? {} : { env: host.env },
        groups: host.groups,
      });
      hostIds[host.hostname] = identity.agentId;
      let version = host.version;
      const inventory: AgentSessionOptions['inventory'] = () =>
        Promise.resolve([
          {
            name: 'node_exporter',
            version,
            binaryPath: '/usr/local/bin/node_exporter',
            sha256: 'c'.repeat(64),
            installedAtMs: 0,
            rollbackPoints: 1,
          },
        ]);
      sessions.push(
        startTestAgent(environment, identity, {
          inventory,
          executor: async (assignment, steps) => {
            await steps.step(0, 'download', 'succeeded');
            await sleep(options.jobDurationMs ?? 400);
            if (host.behaviour === 'fail-and-roll-back') {
              await steps.step(1, 'health_check', 'failed', 'health check failed: no metrics on :9100');
              return {
                outcome: 'failed',
                message: `health check of ${assignment.targetVersion ?? '?'} failed; rolled back to ${version}`,
                details: { rolled_back: true, step: 'health_check' },
              };
            }
            await steps.step(1, 'install', 'succeeded');
            version = assignment.targetVersion ?? version;
            return { outcome: 'succeeded', message: `installed ${assignment.component} ${version}` };
          },
        }),
      );
    }

    // Ready when discovery has stored the releases and every host reported its inventory.
    const admin = { authorization: `Bearer ${tokens.admin}` };
    await eventually(
      async () => {
        const components = (await (await fetch(`${url}/api/components`, { headers: admin })).json()) as {
          name: string;
          latest: { version: string } | null;
          installed: Record<string, number>;
        }[];
        const nodeExporter = components.find((component) => component.name === 'node_exporter');
        const reported = Object.values(nodeExporter?.installed ?? {}).reduce((sum, count) => sum + count, 0);
        return nodeExporter?.latest?.version === '1.8.0' && reported === options.hosts.length
          ? true
          : undefined;
      },
      'discovery and every host inventory',
      60_000,
    );
    return { url, tokens, hostIds, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
