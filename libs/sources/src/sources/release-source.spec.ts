import { describe, expect, it } from 'vitest';
import { UpkeepError } from '@upkeep/errors';
import { MemoryCacheStore } from '../cache/memory-cache-store.ts';
import { resolveSourceSettings } from '../model/source-settings.ts';
import { nodeFileSystem } from '../ports/file-system.repository.ts';
import { ManualClock } from '../testing/source-test-kit.ts';
import { listAllReleases, type ReleaseSource } from './release-source.ts';
import { createSourceContext } from './source-context.ts';

describe('listAllReleases', () => {
  it('runs at most `concurrency` components at once and reports each failure on its own', async () => {
    const ctx = createSourceContext(resolveSourceSettings({ concurrency: 3 }), {
      fetch: () => Promise.reject(new Error('no network in this test')),
      clock: new ManualClock(),
      store: new MemoryCacheStore(),
      fs: nodeFileSystem,
    });
    let running = 0;
    let peak = 0;
    const sources: ReleaseSource[] = Array.from({ length: 10 }, (_, i) => ({
      component: `c${i}`,
      kind: 'github',
      upstream: 'test',
      async listReleases() {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        if (i === 4) throw new UpkeepError('UPSTREAM_NOT_FOUND', 'c4 is gone');
        return {
          component: `c${i}`,
          upstream: 'test',
          releases: [],
          warnings: [],
          freshness: { origin: 'network', fetched_at: '2025-01-01T00:00:00.000Z', age_seconds: 0 },
        };
      },
    }));
    const outcomes = await listAllReleases(sources, ctx);
    expect(peak).toBe(3);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true, false, true, true, true, true, true]);
    expect(outcomes[4]).toMatchObject({ component: 'c4', ok: false, error: { code: 'UPSTREAM_NOT_FOUND' } });
  });
});
