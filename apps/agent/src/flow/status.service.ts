import type { AgentContext } from '../runtime/agent-context.repository.ts';
import type { UpgradeRecord } from '../state/state.types.ts';
import { historyEntryOf, type HistoryEntry } from './history-view.ts';

export interface StatusEntry {
  readonly component: string;
  /** False for a component installed earlier and since removed from the config. */
  readonly configured: boolean;
  readonly installed_version: string | null;
  readonly installed_at: string | null;
  readonly install_method: string | null;
  /** As the host sees it (without --root). */
  readonly binary_path: string | null;
  readonly service_manager: string | null;
  /** `active`, `inactive`, `none` (no service), or `unknown` (the manager could not tell). */
  readonly service: 'active' | 'inactive' | 'none' | 'unknown' | null;
  /** One probe of the configured health check; null when none is configured or nothing is installed. */
  readonly health: { readonly ok: boolean; readonly detail: string } | null;
  readonly rollback_points: number;
  readonly last_upgrade: HistoryEntry | null;
  readonly failed_versions: readonly {
    readonly version: string;
    readonly attempts: number;
    readonly last_failed_at: string;
    readonly reason: string;
  }[];
  /** An operation recovery could not finish: the component is blocked until `recover` succeeds. */
  readonly open_operation: {
    readonly operation_id: string;
    readonly kind: string;
    readonly step: string;
  } | null;
  readonly error: string | null;
}

export interface StatusReport {
  readonly host: {
    readonly root: string | null;
    readonly config: string;
    readonly environment: string | null;
    readonly state_db: string;
    readonly checksum_verification: boolean;
    /** False when another agent is working on this host right now. */
    readonly lock_held: boolean;
  };
  readonly components: readonly StatusEntry[];
}

/** `status`: what is installed, whether it runs and answers, and what the agent remembers about it. */
export async function hostStatus(ctx: AgentContext): Promise<StatusReport> {
  const installed = new Map(ctx.installed.list().map((c) => [c.component, c]));
  const names = [...new Set([...ctx.componentNames, ...installed.keys()])];
  const open = ctx.journal.unfinished();
  const components: StatusEntry[] = [];
  for (const name of names) {
    const current = installed.get(name) ?? null;
    const configured = Object.hasOwn(ctx.config.components, name);
    const [last]: (UpgradeRecord | undefined)[] = ctx.history.list({ component: name, limit: 1 });
    const operation = open.find((o) => o.component === name);
    let service: StatusEntry['service'] = null;
    let health: StatusEntry['health'] = null;
    let manager: string | null = null;
    let error: string | null = null;
    if (configured) {
      try {
        const setup = ctx.setup(name);
        manager = setup.serviceManager;
        if (current !== null) {
          service =
            setup.serviceManager === 'none'
              ? 'none'
              : await setup.runtime.service.isActive().then(
                  (active) => (active ? 'active' : 'inactive'),
                  () => 'unknown' as const,
                );
          if (setup.runtime.healthProbe !== null) {
            health = await setup.runtime.healthProbe(setup.runtime.healthTiming.timeoutMs);
          }
        }
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
    }
    components.push({
      component: name,
      configured,
      installed_version: current?.version ?? null,
      installed_at: current?.installedAt ?? null,
      install_method: current?.installMethod ?? null,
      binary_path:
        current?.binaryPath === null || current === null ? null : ctx.paths.unmap(current.binaryPath),
      service_manager: manager,
      service,
      health,
      rollback_points: ctx.points.list(name).length,
      last_upgrade: last === undefined ? null : historyEntryOf(last),
      failed_versions: ctx.failed.list(name).map((f) => ({
        version: f.version,
        attempts: f.attempts,
        last_failed_at: f.lastFailedAt,
        reason: f.reason,
      })),
      open_operation:
        operation === undefined
          ? null
          : { operation_id: operation.operationId, kind: operation.kind, step: operation.step },
      error,
    });
  }
  return {
    host: {
      root: ctx.locations.root,
      config: ctx.locations.config,
      environment: ctx.environment ?? null,
      state_db: ctx.locations.stateDb,
      checksum_verification: ctx.global.safety.require_checksum_verification,
      lock_held: ctx.lockHeld,
    },
    components,
  };
}
