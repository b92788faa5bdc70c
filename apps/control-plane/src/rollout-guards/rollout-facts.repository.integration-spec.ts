import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../database/prisma-client.ts';
import { migrateDatabase } from '../database/migrator.ts';
import { createTestSchema, MIGRATIONS_DIR, type TestSchema } from '../testing/test-database.ts';
import { RolloutFactsRepository } from './rollout-facts.repository.ts';

describe('RolloutFactsRepository on the engine tables', () => {
  let schema: TestSchema;
  let prisma: PrismaClient;

  beforeAll(async () => {
    schema = createTestSchema('guardfacts');
    await migrateDatabase({ target: schema.target, migrationsDir: MIGRATIONS_DIR });
    prisma = createPrismaClient(schema.target, 2);
  }, 60_000);

  afterAll(async () => {
    await prisma.$disconnect();
    await schema.drop();
  });

  async function insert(component: string, state: string, settings: unknown): Promise<string> {
    const id = randomUUID();
    await prisma.$executeRaw`
      INSERT INTO rollouts (id, component_name, environment, target_version, target_spec, selector, settings, state, created_by)
      VALUES (${id}::uuid, ${component}, 'production', '3.0.0', '{}'::jsonb, '{}'::jsonb,
              ${JSON.stringify(settings)}::jsonb, ${state}::rollout_state, 'test')`;
    return id;
  }

  it('reads the frozen gates and the state of the rollouts waited for', async () => {
    const repository = new RolloutFactsRepository(prisma);
    const loki = await insert('loki', 'running', {
      gates: [{ query: 'up', successCondition: '== 1', for: '5m' }],
      maintenanceWindow: true,
    });
    const promtail = await insert('promtail', 'completed', {});
    expect(await repository.factsOf(loki)).toEqual({
      gates: [{ query: 'up', successCondition: '== 1', forSeconds: 300 }],
      maintenanceWindow: true,
    });
    expect(await repository.factsOf(randomUUID())).toBeUndefined();
    const standing = await repository.standingOf([loki, promtail, randomUUID(), 'not-a-uuid']);
    expect(standing.sort((a, b) => a.componentName.localeCompare(b.componentName))).toEqual([
      {
        id: loki,
        componentName: 'loki',
        environment: 'production',
        targetVersion: '3.0.0',
        state: 'running',
      },
      {
        id: promtail,
        componentName: 'promtail',
        environment: 'production',
        targetVersion: '3.0.0',
        state: 'completed',
      },
    ]);
    expect(await repository.standingOf([])).toEqual([]);
  });
});
