import type { PrismaClient } from '../database/prisma-client.ts';
import { guardFactsOf } from './frozen-settings.ts';
import type { RolloutFactsPort, RolloutGuardFacts, RolloutStanding } from './rollout-facts.ts';

/**
 * The guards' read-only view of the rollout engine's `rollouts` table. Raw SQL on purpose: the
 * guards read two columns of a table the engine owns, and do not depend on its model's shape.
 */
export class RolloutFactsRepository implements RolloutFactsPort {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async factsOf(rolloutId: string): Promise<RolloutGuardFacts | undefined> {
    const rows = await this.prisma.$queryRaw<{ settings: unknown }[]>`
      SELECT settings FROM rollouts WHERE id = ${rolloutId}::uuid`;
    const row = rows[0];
    return row === undefined ? undefined : guardFactsOf(row.settings);
  }

  async standingOf(ids: readonly string[]): Promise<RolloutStanding[]> {
    const valid = ids.filter((id) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id),
    );
    if (valid.length === 0) return [];
    return this.prisma.$queryRaw<RolloutStanding[]>`
      SELECT id::text AS id, component_name AS "componentName", environment,
             target_version AS "targetVersion", state::text AS state
      FROM rollouts WHERE id = ANY(${valid}::uuid[])`;
  }
}
