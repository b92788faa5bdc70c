/**
 * Discovery benchmark: 50 components against the local upstream with 100 ms added to
 * every request. Prints requests and wall time for a cold run, a warm run inside the TTL
 * and a revalidation run past it, and checks the targets of issue 3:
 *   cold ≤ 2 × the slowest single request chain; warm = 0 requests;
 *   revalidation = only conditional requests, all answered 304.
 * The upstream runs on a worker thread (a real one does not share our event loop); the
 * client uses the library's defaults (concurrency 32) unless BENCH_CONCURRENCY is set.
 * Run: node bench/discovery/run.ts   (exit code 1 when a target is missed)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The bench is not a workspace package, so it reaches the library through its public entry file.
import {
  SqliteCacheStore,
  createReleaseSource,
  createSourceContext,
  globalFetch,
  listAllReleases,
  nodeFileSystem,
  resolveSourceSettings,
  systemClock,
  type CacheStore,
  type Clock,
} from '../../libs/sources/src/index.ts';
import { Worker } from 'node:worker_threads';
import type { RecordedRequest, UpstreamOptions, UpstreamRelease } from '../../test/support/upstream/index.ts';
import type { WorkerReply, WorkerRequest } from './upstream-worker.ts';

const COMPONENTS = 50;
const LATENCY_MS = 100;
const TTL_SECONDS = 900;

/** Release counts shaped like a real fleet: most projects fit one page of 100, a few need two or three. */
function releaseCount(index: number): number {
  if (index % 17 === 0) return 210 + index; // 3 pages: 0, 17, 34
  if (index % 7 === 0) return 120 + index; // 2 pages
  return 20 + ((index * 7) % 80); // 1 page
}

function releases(name: string, count: number): UpstreamRelease[] {
  return Array.from({ length: count }, (_, i) => {
    const n = count - 1 - i;
    const version = `${Math.floor(n / 100)}.${Math.floor(n / 10) % 10}.${n % 10}`;
    return {
      tag: `v${version}`,
      body: `* [ENHANCEMENT] release ${version}`,
      assets: [
        { name: `${name}-${version}.linux-amd64.tar.gz`, content: `${name} ${version} amd64` },
        { name: `${name}-${version}.linux-arm64.tar.gz`, content: `${name} ${version} arm64` },
        { name: 'sha256sums.txt', content: `${'0'.repeat(64)}  ${name}-${version}.linux-amd64.tar.gz\n` },
      ],
    };
  });
}

const names = Array.from({ length: COMPONENTS }, (_, i) => `component_${String(i).padStart(2, '0')}`);
const repos = Object.fromEntries(names.map((name, i) => [`bench/${name}`, releases(name, releaseCount(i))]));
const pagesOf = (i: number): number => Math.ceil(releaseCount(i) / 100);

/** The upstream on its own thread, driven by messages. */
async function startUpstreamThread(options: UpstreamOptions) {
  const worker = new Worker(new URL('./upstream-worker.ts', import.meta.url), { workerData: options });
  const next = (): Promise<WorkerReply> =>
    new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const ask = async (message: WorkerRequest): Promise<WorkerReply> => {
    const reply = next();
    worker.postMessage(message);
    return reply;
  };
  const ready = await next();
  if (ready.type !== 'ready') throw new Error('upstream thread did not start');
  return {
    url: ready.url,
    requests: async (): Promise<RecordedRequest[]> => {
      const reply = await ask({ type: 'requests' });
      return reply.type === 'requests' ? reply.list : [];
    },
    clear: async (): Promise<void> => {
      await ask({ type: 'clear' });
    },
    close: async (): Promise<void> => {
      await ask({ type: 'close' });
      await worker.terminate();
    },
  };
}

const upstream = await startUpstreamThread({
  github: repos,
  latencyMs: LATENCY_MS,
  rateLimit: { limit: 100_000 },
});
const dir = mkdtempSync(join(tmpdir(), 'upkeep-bench-'));

function offsetClock(offsetMs: number): Clock {
  return { now: () => systemClock.now() + offsetMs, sleep: (ms) => systemClock.sleep(ms) };
}

async function run(label: string, selected: readonly string[], store: CacheStore, clock: Clock) {
  const settings = resolveSourceSettings({
    github: { baseUrl: upstream.url, cacheTtlSeconds: TTL_SECONDS },
    cache: { ttlSeconds: TTL_SECONDS },
    ...(process.env['BENCH_CONCURRENCY'] === undefined
      ? {}
      : { concurrency: Number(process.env['BENCH_CONCURRENCY']) }),
  });
  const ctx = createSourceContext(settings, { fetch: globalFetch, clock, store, fs: nodeFileSystem });
  const sources = selected.map((name) =>
    createReleaseSource(name, { kind: 'github', repo: `bench/${name}` }, ctx),
  );
  await upstream.clear();
  const started = performance.now();
  const outcomes = await listAllReleases(sources, ctx);
  const wall = performance.now() - started;

  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) throw new Error(`${label}: ${failed.length} component(s) failed`);
  const requests = await upstream.requests();
  return {
    label,
    wall,
    requests: requests.length,
    conditional: requests.filter((r) => r.conditional).length,
    notModified: requests.filter((r) => r.status === 304).length,
    origins: [...new Set(outcomes.map((o) => (o.ok ? o.listing.freshness.origin : 'error')))].join(','),
    concurrency: settings.concurrency,
  };
}

try {
  const slowest = names.reduce(
    (best, _name, i) => (pagesOf(i) > pagesOf(names.indexOf(best)) ? names[i]! : best),
    names[0]!,
  );
  const chainStore = SqliteCacheStore.open(join(dir, 'chain.db'));
  const chain = await run('slowest single chain', [slowest], chainStore, systemClock);
  chainStore.close();

  const store = SqliteCacheStore.open(join(dir, 'state.db'));
  const cold = await run('cold', names, store, systemClock);
  const warm = await run('warm (inside TTL, new process)', names, store, systemClock);
  const revalidation = await run(
    'revalidation (past TTL)',
    names,
    store,
    offsetClock((TTL_SECONDS + 1) * 1000),
  );
  store.close();

  const totalPages = names.reduce((sum, _n, i) => sum + pagesOf(i), 0);
  console.log(
    `discovery bench: ${COMPONENTS} components, ${totalPages} pages of releases, +${LATENCY_MS} ms per request, concurrency ${cold.concurrency}`,
  );
  console.log(`sum of all request chains if run one after another: ${totalPages * LATENCY_MS} ms`);
  console.log('');
  console.log('run                                  requests  conditional  304   wall ms  origin');
  for (const r of [chain, cold, warm, revalidation]) {
    console.log(
      `${r.label.padEnd(36)} ${String(r.requests).padStart(8)} ${String(r.conditional).padStart(12)} ${String(r.notModified).padStart(4)} ${r.wall.toFixed(0).padStart(9)}  ${r.origins}`,
    );
  }
  const targets = [
    {
      name: `cold run within 2x the slowest chain (${cold.wall.toFixed(0)} ms <= ${(2 * chain.wall).toFixed(0)} ms)`,
      ok: cold.wall <= 2 * chain.wall,
    },
    { name: `warm run makes zero upstream requests (${warm.requests})`, ok: warm.requests === 0 },
    {
      name: `revalidation makes only conditional requests, all 304 (${revalidation.conditional}/${revalidation.requests} conditional, ${revalidation.notModified} answered 304)`,
      ok:
        revalidation.requests > 0 &&
        revalidation.conditional === revalidation.requests &&
        revalidation.notModified === revalidation.requests,
    },
  ];
  console.log('');
  for (const t of targets) console.log(`${t.ok ? 'PASS' : 'FAIL'}  ${t.name}`);
  process.exitCode = targets.every((t) => t.ok) ? 0 : 1;
} finally {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
}
