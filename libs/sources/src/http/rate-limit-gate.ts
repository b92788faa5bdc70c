import { NO_SOURCE_OBSERVER, type SourceObserver } from '../ports/source-observer.port.ts';

/** What an upstream last said about its rate limit. */
export interface RateLimitSnapshot {
  readonly limit: number | null;
  readonly remaining: number;
  /** Epoch milliseconds when the window resets. */
  readonly resetAt: number;
}

export type GateDecision = { readonly limited: false } | { readonly limited: true; readonly detail: string };

function headerNumber(headers: Headers, ...names: string[]): number | undefined {
  for (const name of names) {
    const raw = headers.get(name);
    if (raw !== null && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  }
  return undefined;
}

/**
 * Tracks one upstream's remaining rate limit from its response headers (GitHub
 * `x-ratelimit-*`, GitLab `ratelimit-*`) and says when to stop asking it: once fewer than
 * `threshold` requests remain and the window has not reset, answers come from the cache,
 * leaving the rest of the budget to the operator.
 */
export class RateLimitGate {
  readonly upstream: string;
  readonly threshold: number;
  readonly #observer: SourceObserver;
  #snapshot: RateLimitSnapshot | undefined;

  constructor(upstream: string, threshold: number, observer: SourceObserver = NO_SOURCE_OBSERVER) {
    this.upstream = upstream;
    this.threshold = threshold;
    this.#observer = observer;
  }

  observe(headers: Headers): void {
    const resource = headers.get('x-ratelimit-resource');
    // Search and GraphQL have budgets of their own; releases spend the core one.
    if (resource !== null && resource !== 'core') return;
    const remaining = headerNumber(headers, 'x-ratelimit-remaining', 'ratelimit-remaining');
    const reset = headerNumber(headers, 'x-ratelimit-reset', 'ratelimit-reset');
    if (remaining === undefined || reset === undefined) return;
    this.#snapshot = {
      limit: headerNumber(headers, 'x-ratelimit-limit', 'ratelimit-limit') ?? null,
      remaining,
      resetAt: reset * 1000,
    };
    this.#observer.rateLimit(this.upstream, remaining, this.#snapshot.limit);
  }

  snapshot(): RateLimitSnapshot | undefined {
    return this.#snapshot;
  }

  check(now: number): GateDecision {
    const s = this.#snapshot;
    if (s === undefined || this.threshold <= 0) return { limited: false };
    if (now >= s.resetAt) return { limited: false };
    if (s.remaining >= this.threshold) return { limited: false };
    return {
      limited: true,
      detail: `${this.upstream} has ${s.remaining} requests left (threshold ${this.threshold}) until ${new Date(s.resetAt).toISOString()}`,
    };
  }
}

/** One gate per upstream, shared by every source that talks to it. */
export class RateLimitGates {
  readonly #gates = new Map<string, RateLimitGate>();
  readonly #observer: SourceObserver;

  constructor(observer: SourceObserver = NO_SOURCE_OBSERVER) {
    this.#observer = observer;
  }

  for(upstream: string, threshold: number): RateLimitGate {
    const key = `${upstream}\u0000${threshold}`;
    let gate = this.#gates.get(key);
    if (gate === undefined) {
      gate = new RateLimitGate(upstream, threshold, this.#observer);
      this.#gates.set(key, gate);
    }
    return gate;
  }
}
