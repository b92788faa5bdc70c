import { rollbackToPoint, type ManualRollbackResult } from '../install/manual-rollback.service.ts';
import type { AgentContext } from '../runtime/agent-context.repository.ts';

/**
 * `rollback <component> [--to <id>]`: restores a rollback point (the newest by
 * default). The version rolled back from is recorded as failed on this host, so
 * the next `upgrade` does not put it straight back; `--force` or a newer
 * release lifts that.
 */
export async function rollbackComponent(
  ctx: AgentContext,
  component: string,
  pointId: number | null,
): Promise<ManualRollbackResult> {
  const runtime = ctx.runtime(component);
  const result = await rollbackToPoint(
    {
      db: ctx.db,
      journal: ctx.journal,
      installed: ctx.installed,
      history: ctx.history,
      rollbackPoints: ctx.rollbackPoints,
      clock: ctx.clock,
      now: ctx.now,
      sleep: ctx.sleep,
      events: ctx.log.event,
    },
    runtime,
    pointId,
  );
  const from = result.fromVersion;
  if (from !== null && from !== result.toVersion) {
    ctx.db.transaction(() => {
      ctx.failed.record(
        component,
        from,
        `rolled back by hand to ${result.toVersion} (rollback point ${String(result.rollbackPointId)})`,
        ctx.clock().toISOString(),
      );
    });
  }
  return result;
}
