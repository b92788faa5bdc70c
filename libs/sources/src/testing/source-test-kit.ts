import { MemoryCacheStore } from '../cache/memory-cache-store.ts';
import type { CacheStore } from '../cache/cache-store.ts';
import { resolveSourceSettings, type SourceSettingsInput } from '../model/source-settings.ts';
import type { Clock } from '../ports/clock.port.ts';
import { nodeFileSystem } from '../ports/file-system.repository.ts';
import { globalFetch } from '../ports/http.port.ts';
import { createSourceContext, type SourceContext, type SourcePorts } from '../sources/source-context.ts';
import type { UpstreamRelease } from '../../../../test/support/upstream/index.ts';

/** A clock tests move by hand; `sleep` advances it instead of waiting. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  sleep(ms: number): Promise<void> {
    this.#now += ms;
    return new Promise((resolve) => setImmediate(resolve));
  }
}

export interface TestKit {
  readonly ctx: SourceContext;
  readonly clock: ManualClock;
  readonly store: CacheStore;
}

/** A context pointed at a local upstream, with short retries and a manual clock. */
export function testKit(
  upstreamUrl: string,
  settings: SourceSettingsInput = {},
  ports: Partial<SourcePorts> = {},
): TestKit {
  const clock = new ManualClock();
  const store = ports.store ?? new MemoryCacheStore();
  const ctx = createSourceContext(
    resolveSourceSettings({
      retryBaseMs: 5,
      timeoutSeconds: 5,
      maxRetryAfterSeconds: 5,
      ...settings,
      github: { baseUrl: upstreamUrl, timeoutSeconds: 5, ...settings.github },
      gitlab: { baseUrl: upstreamUrl, timeoutSeconds: 5, ...settings.gitlab },
      osvUrl: settings.osvUrl ?? upstreamUrl,
    }),
    { fetch: globalFetch, clock, store, fs: nodeFileSystem, ...ports },
    { platforms: [{ os: 'linux', arch: 'amd64' }] },
  );
  return { ctx, clock, store };
}

/** `count` releases v1.0.0 … newest first, each with a linux-amd64 archive and sha256sums.txt. */
export function manyReleases(
  count: number,
  options: { readonly withAssets?: boolean } = {},
): UpstreamRelease[] {
  const out: UpstreamRelease[] = [];
  for (let i = count - 1; i >= 0; i -= 1) {
    const version = `${Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`;
    out.push({
      tag: `v${version}`,
      body: `Release ${version}`,
      assets:
        options.withAssets === false
          ? []
          : [{ name: `tool-${version}.linux-amd64.tar.gz`, content: `archive ${version}` }],
    });
  }
  return out;
}
