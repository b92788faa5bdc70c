import {
  openWindow,
  upcomingWindows,
  windowLabel,
  windowsFor,
  type PolicyConfig,
  type ScopedWindow,
} from '@upkeep/policy';
import type { RolloutGuard, RolloutGuardContext, RolloutGuardVerdict } from '../rollouts/rollout-guard.ts';
import type { RolloutFactsPort } from './rollout-facts.ts';

/** How many openings ahead to look for one long enough for the wave. */
const LOOKAHEAD = 20;

type HostVerdict =
  { readonly ok: true } | { readonly ok: false; readonly why: string; readonly retryAt?: Date };

const OK: HostVerdict = { ok: true };

/**
 * `maintenance_window`: with `maintenance_windows.enabled` (or a rollout the approval policy
 * holds to windows, such as a major move), each host about to be dispatched is judged on its own:
 * it may go when it is inside a window that applies to it (its groups, the environment) and allows
 * `upgrade`, and the wave can finish before that window closes; otherwise it waits for the next
 * opening long enough for it. Hosts of groups whose windows do not overlap therefore go in turn
 * (`ok: 'partial'`) instead of holding each other back for ever; `retryAt` is the first opening
 * among the held hosts. A host to which no window applies is not held; when no window is defined
 * at all, nothing is inside one. Promotions are not held: the next wave's hosts are judged when
 * they are dispatched.
 */
export class MaintenanceWindowGuard implements RolloutGuard {
  readonly name = 'maintenance_window';
  private readonly policy: PolicyConfig | null;
  private readonly facts: RolloutFactsPort;

  constructor(policy: PolicyConfig | null, facts: RolloutFactsPort) {
    this.policy = policy;
    this.facts = facts;
  }

  async check(context: RolloutGuardContext): Promise<RolloutGuardVerdict> {
    // Windows govern when a host is touched. Promoting touches none (each host of the next wave is
    // judged at its own dispatch), and judging the baked wave's hosts together would hold for ever a
    // wave whose groups' windows never overlap.
    if (context.phase === 'promote') return { ok: true };
    const policy = this.policy;
    const settings = policy?.upgrade_policies.maintenance_windows;
    const enabled = settings?.enabled === true;
    const required = enabled
      ? false
      : ((await this.facts.factsOf(context.rolloutId))?.maintenanceWindow ?? false);
    if (policy === null || (!enabled && !required)) return { ok: true };
    const because = enabled
      ? 'maintenance windows are enabled'
      : 'the approval policy requires a maintenance window';
    if ((settings?.windows ?? []).length === 0) {
      return {
        ok: false,
        reason: `${because} but none is defined in versions.yaml, so no time is inside a window`,
      };
    }
    const blocked: { hostname: string; why: string; retryAt?: Date }[] = [];
    const allowed: string[] = [];
    // A host's verdict depends only on its groups (in order: the first matching one wins), so hosts
    // sharing groups share the window arithmetic.
    const byGroups = new Map<string, HostVerdict>();
    for (const host of context.hosts) {
      const key = host.groups.join('\u0000');
      let verdict = byGroups.get(key);
      if (verdict === undefined) {
        const windows = windowsFor(policy, { groups: host.groups, environment: context.environment });
        verdict = windows.length === 0 ? OK : hostVerdict(windows, context.now, context.expectedDurationMs);
        byGroups.set(key, verdict);
      }
      if (verdict.ok) {
        allowed.push(host.id);
        continue;
      }
      blocked.push({
        hostname: host.hostname,
        why: verdict.why,
        ...(verdict.retryAt === undefined ? {} : { retryAt: verdict.retryAt }),
      });
    }
    if (blocked.length === 0) return { ok: true };
    // Held hosts are asked about again at the first opening among them: then some of them may go.
    const retries = blocked.flatMap((host) => (host.retryAt === undefined ? [] : [host.retryAt.getTime()]));
    const shown = blocked.slice(0, 5).map((host) => `${host.hostname}: ${host.why}`);
    const more = blocked.length > 5 ? `; and ${String(blocked.length - 5)} more host(s)` : '';
    const reason = `${because}: ${shown.join('; ')}${more}`;
    const retryAt = retries.length === 0 ? {} : { retryAt: new Date(Math.min(...retries)) };
    if (allowed.length === 0) return { ok: false, reason, ...retryAt };
    return { ok: 'partial', allowedHostIds: allowed, reason, ...retryAt };
  }
}

function minutes(ms: number): string {
  return `${String(Math.ceil(ms / 60_000))} min`;
}

/** Whether a host with these windows may start a wave lasting `durationMs` at `now`. */
function hostVerdict(windows: readonly ScopedWindow[], now: Date, durationMs: number): HostVerdict {
  const open = openWindow(windows, now, 'upgrade');
  const finish = now.getTime() + Math.max(0, durationMs);
  if (open !== undefined && finish <= open.end.getTime()) return { ok: true };
  const upcoming = upcomingWindows(windows, now, LOOKAHEAD, 'upgrade').filter(
    (occurrence) => occurrence.start.getTime() > now.getTime(),
  );
  const fitting = upcoming.find(
    (occurrence) => occurrence.end.getTime() - occurrence.start.getTime() >= durationMs,
  );
  if (open !== undefined && fitting === undefined) {
    // No window ahead is long enough for the wave: starting now is as good as it gets.
    return { ok: true };
  }
  const next = fitting ?? upcoming[0];
  const nextText =
    next === undefined
      ? 'no window allowing upgrades opens'
      : `the next window long enough opens at ${next.start.toISOString()} (${windowLabel(next.window)})`;
  const why =
    open === undefined
      ? `outside its maintenance windows; ${nextText}`
      : `the wave needs about ${minutes(durationMs)} but ${windowLabel(open.window)} closes at ${open.end.toISOString()}; ${nextText}`;
  return { ok: false, why, ...(next === undefined ? {} : { retryAt: next.start }) };
}
