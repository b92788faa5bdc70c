import pLimit, { type LimitFunction } from 'p-limit';
import { ResourceCache } from '../cache/resource-cache.ts';
import type { CacheStore } from '../cache/cache-store.ts';
import { HttpClient } from '../http/http-client.ts';
import { RateLimitGates } from '../http/rate-limit-gate.ts';
import { platformFromNode, type HostPlatform } from '../model/host-platform.ts';
import type { SourceSettings } from '../model/source-settings.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { FileSystemPort } from '../ports/file-system.port.ts';
import type { HttpFetch } from '../ports/http.port.ts';
import type { SourceObserver } from '../ports/source-observer.port.ts';

/** Every side effect discovery has, injected. */
export interface SourcePorts {
  readonly fetch: HttpFetch;
  readonly clock: Clock;
  readonly store: CacheStore;
  readonly fs: FileSystemPort;
  /** Warnings from the GitHub client (already redacted). Silent when absent. */
  readonly logger?: { warn(message: string): void };
  /** Cache tiers, upstream answers and rate limits, for metrics. Silent when absent. */
  readonly observer?: SourceObserver;
}

/** What the sources of one run share: settings, ports, the cache, rate-limit state, concurrency. */
export interface SourceContext {
  readonly settings: SourceSettings;
  readonly ports: SourcePorts;
  readonly cache: ResourceCache;
  readonly gates: RateLimitGates;
  /** Platforms direct-URL templates are expanded for (the host by default; a mirror may add more). */
  readonly platforms: readonly HostPlatform[];
  /** Bounds how many components are resolved at once. */
  readonly limit: LimitFunction;
}

/** Builds the shared context; `platforms` defaults to this host's. */
export function createSourceContext(
  settings: SourceSettings,
  ports: SourcePorts,
  options: { readonly platforms?: readonly HostPlatform[] } = {},
): SourceContext {
  return {
    settings,
    ports,
    cache: new ResourceCache({
      store: ports.store,
      clock: ports.clock,
      maxAgeSeconds: settings.cache.maxAgeSeconds,
      observer: ports.observer,
    }),
    gates: new RateLimitGates(ports.observer),
    platforms: options.platforms ?? [platformFromNode(process.platform, process.arch)],
    limit: pLimit(settings.concurrency),
  };
}

/**
 * An HTTP client with the run's timeout and retry settings, for upstreams without their
 * own API settings (direct URLs, registries, checksum files, OSV); `label` names the
 * upstream in messages.
 */
export function settingsHttpClient(ctx: SourceContext, label: string): HttpClient {
  const { timeoutSeconds, retries, retryBaseMs, maxRetryAfterSeconds } = ctx.settings;
  return new HttpClient({
    fetch: ctx.ports.fetch,
    clock: ctx.ports.clock,
    label,
    timeoutMs: timeoutSeconds * 1000,
    retries,
    retryBaseMs,
    maxRetryAfterSeconds,
  });
}
