import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyConfig } from '@upkeep/policy';
import type { AppConfig } from '../config/app-config.ts';
import { createPrismaClient, type PrismaClient, type Transaction } from '../database/prisma-client.ts';
import { migrateDatabase } from '../database/migrator.ts';
import type { NotificationEvent, Notifier } from '../notifications/notification-event.ts';
import { createTestSchema, MIGRATIONS_DIR, type TestSchema } from '../testing/test-database.ts';
import type { AutoUpgradePlan } from './auto-upgrade-decision.ts';
import { AutoUpgradeRepository } from './auto-upgrade.repository.ts';
import { AutoUpgradeService, type AutoRolloutPort, type AutoRolloutRequest } from './auto-upgrade.service.ts';

const policy = loadPolicyConfig(`
components:
  node_exporter: { github_repo: prometheus/node_exporter }
environments:
  production: {}
  staging:
    safety:
      auto_upgrade: { enabled: true, allowed_risk_levels: [low] }
`);

const config = { policy: { path: 'versions.yaml', config: policy } } as unknown as AppConfig;
const clock = { now: () => new Date('2026-11-24T12:00:00Z') };

/** The engine as auto-upgrade sees it: plans say every host may move by itself; create inserts the row. */
class FakeEngine implements AutoRolloutPort {
  readonly created: AutoRolloutRequest[] = [];
  private readonly prisma: PrismaClient;
  private readonly target: string;
  private readonly decision: AutoUpgradePlan['hosts'][number]['decision'];

  constructor(
    prisma: PrismaClient,
    target: string,
    decision: AutoUpgradePlan['hosts'][number]['decision'] = 'auto',
  ) {
    this.prisma = prisma;
    this.target = target;
    this.decision = decision;
  }

  async resolveTarget(): Promise<string> {
    return Promise.resolve(this.target);
  }

  async plan(request: AutoRolloutRequest): Promise<AutoUpgradePlan> {
    return Promise.resolve({
      ...request,
      requiredApprovals: 0,
      hosts: [{ hostname: 'web-1', decision: this.decision, riskLevel: 'low' }],
    });
  }

  async create(request: AutoRolloutRequest): Promise<{ id: string }> {
    const id = randomUUID();
    // Its own transaction, as the engine's create is.
    await this.prisma.$executeRaw`
      INSERT INTO rollouts (id, component_name, environment, target_version, target_spec, selector, settings, state, created_by)
      VALUES (${id}::uuid, ${request.component}, ${request.environment}, ${request.targetVersion},
              '{}'::jsonb, '{}'::jsonb, '{}'::jsonb, 'scheduled', 'auto-upgrade')`;
    this.created.push(request);
    return { id };
  }
}

class RecordingNotifier implements Notifier {
  readonly events: NotificationEvent[] = [];
  async enqueue(_tx: Transaction, event: NotificationEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
}

describe('AutoUpgradeService on Postgres', () => {
  let schema: TestSchema;
  const clients: PrismaClient[] = [];

  beforeAll(async () => {
    schema = createTestSchema('autoupgrade');
    await migrateDatabase({ target: schema.target, migrationsDir: MIGRATIONS_DIR });
    clients.push(createPrismaClient(schema.target, 4), createPrismaClient(schema.target, 4));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.$disconnect()));
    await schema.drop();
  });

  function replica(prisma: PrismaClient, engine: AutoRolloutPort, notifier: Notifier): AutoUpgradeService {
    return new AutoUpgradeService(
      config,
      pino({ level: 'silent' }),
      clock,
      new AutoUpgradeRepository(prisma),
      engine,
      notifier,
    );
  }

  it('creates one rollout and one notification however many replicas refresh at once', async () => {
    const notifier = new RecordingNotifier();
    const engines = clients.map((prisma) => new FakeEngine(prisma, '1.8.1'));
    const replicas = clients.map((prisma, index) => replica(prisma, engines[index] as FakeEngine, notifier));
    const reports = (
      await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          (replicas[index % 2] as AutoUpgradeService).afterRefresh('node_exporter'),
        ),
      )
    ).flat();
    expect(reports).toHaveLength(8);
    expect(reports.every((report) => report.environment === 'staging')).toBe(true);
    expect(reports.filter((report) => report.outcome === 'created')).toHaveLength(1);
    // The others found the rollout, or the lock taken by the replica creating it.
    expect(reports.filter((report) => report.outcome === 'exists' || report.outcome === 'busy')).toHaveLength(
      7,
    );
    const again = await (replicas[1] as AutoUpgradeService).afterRefresh('node_exporter');
    expect(again).toMatchObject([
      { outcome: 'exists', rolloutId: reports.find((r) => r.outcome === 'created')?.rolloutId },
    ]);
    const rows = await (clients[0] as PrismaClient).$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM rollouts WHERE component_name = 'node_exporter' AND target_version = '1.8.1'`;
    expect(Number(rows[0]?.n)).toBe(1);
    expect(notifier.events).toHaveLength(1);
    expect(notifier.events[0]).toMatchObject({
      kind: 'upgrade_available',
      componentName: 'node_exporter',
      version: '1.8.1',
      dedupeKey: 'upgrade_available:node_exporter:1.8.1:staging',
    });
  });

  it('creates nothing when the policy does not allow the move by itself', async () => {
    const notifier = new RecordingNotifier();
    const engine = new FakeEngine(clients[0] as PrismaClient, '2.0.0', 'manual');
    const reports = await replica(clients[0] as PrismaClient, engine, notifier).afterRefresh('node_exporter');
    expect(reports).toEqual([
      {
        environment: 'staging',
        targetVersion: '2.0.0',
        outcome: 'not_allowed',
        rolloutId: null,
        reason: 'web-1: the decision is manual_approval',
      },
    ]);
    expect(engine.created).toEqual([]);
    expect(notifier.events).toEqual([]);
  });

  it('reports an engine error without throwing, and ignores components outside the policy', async () => {
    const notifier = new RecordingNotifier();
    const failing: AutoRolloutPort = {
      resolveTarget: async () => Promise.reject(new Error('no releases stored')),
      plan: async () => Promise.reject(new Error('unused')),
      create: async () => Promise.reject(new Error('unused')),
    };
    const service = replica(clients[0] as PrismaClient, failing, notifier);
    expect(await service.afterRefresh('node_exporter')).toEqual([
      {
        environment: 'staging',
        targetVersion: null,
        outcome: 'error',
        rolloutId: null,
        reason: 'no releases stored',
      },
    ]);
    expect(await service.afterRefresh('grafana')).toEqual([]);
  });
});
