import type { Freshness, StaleReason } from '@upkeep/sources';

const REASON_TEXT: Readonly<Record<StaleReason, string>> = {
  offline: 'offline',
  'rate-limited': 'rate limit low',
  unreachable: 'upstream unreachable',
  'invalid-response': 'upstream answered invalid data',
};

/** `45s`, `12m`, `2h`, `3d`: the largest unit, rounded down. */
export function ageText(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** `stale: cached 2h ago, upstream unreachable` for an answer served stale; undefined otherwise. */
export function staleText(freshness: Freshness): string | undefined {
  if (freshness.origin !== 'stale') return undefined;
  const reason =
    freshness.stale_reason === undefined ? 'upstream not asked' : REASON_TEXT[freshness.stale_reason];
  return `stale: cached ${ageText(freshness.age_seconds)} ago, ${reason}`;
}

/** ` (stale: …)` to append to a headline, or nothing. */
export function staleSuffix(freshness: Freshness): string {
  const text = staleText(freshness);
  return text === undefined ? '' : ` (${text})`;
}
