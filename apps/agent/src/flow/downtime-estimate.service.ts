/** How long the service is expected to be down during an upgrade, and on what that rests. */
export interface DowntimeEstimate {
  readonly expectedMs: number;
  /** `history`: the median of past upgrades; `health_budget`: the health check's upper bound; `none`: nothing runs yet. */
  readonly basis: 'history' | 'health_budget' | 'none';
  readonly samples: number;
  readonly detail: string;
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

/**
 * The expected downtime of the next upgrade: the median of this component's past
 * successful upgrades on this host, else the health check's budget (the longest
 * it may take), and nothing for a first install (no service runs yet).
 */
export function estimateDowntime(
  pastDowntimesMs: readonly number[],
  healthBudgetMs: number,
  firstInstall: boolean,
): DowntimeEstimate {
  if (firstInstall) {
    return { expectedMs: 0, basis: 'none', samples: 0, detail: 'first install: no running version to stop' };
  }
  const middle = median(pastDowntimesMs);
  if (middle !== null) {
    return {
      expectedMs: Math.round(middle),
      basis: 'history',
      samples: pastDowntimesMs.length,
      detail: `median of the last ${String(pastDowntimesMs.length)} upgrade(s) on this host`,
    };
  }
  return {
    expectedMs: healthBudgetMs,
    basis: 'health_budget',
    samples: 0,
    detail: 'no past upgrade on this host: the health check budget (an upper bound)',
  };
}
