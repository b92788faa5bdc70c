export interface BackoffPolicy {
  /** Default 500 ms. */
  readonly initialMs: number;
  /** Default 60 s. */
  readonly maxMs: number;
  /** Default 2. */
  readonly multiplier: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 60_000, multiplier: 2 };

/**
 * Exponential backoff with full jitter: a uniformly random delay up to the
 * exponential bound, so a fleet that lost its control plane does not come
 * back in lock-step. `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const bound = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt));
  return Math.floor(random() * bound);
}
