/**
 * (a) The downtime of an upgrade against the service's own restart time. A
 * host in a folder (the agent's integration fixtures): a real exporter
 * process serving HTTP, run by the `command` service manager. Each round does
 * one real upgrade with UpgradeExecutor (alternating between two versions)
 * and one plain stop + start of the same service, in alternating order so
 * both see the same machine. Both are measured two ways:
 *   - as the agent measures downtime: from the stop to the first answer of
 *     the HTTP health check (for the restart: the same probe, same timing);
 *   - from outside: a worker thread polling the service every few ms; the
 *     outage is the gap between its last answer before and first after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startArtifactServer } from '../../apps/agent/src/download/artifact-server.fixture.ts';
import {
  hostPaths,
  layHost,
  openHost,
  recordInstalled,
  releaseArchive,
  servedVersion,
} from '../../apps/agent/src/testing/agent-host.fixture.ts';
import { freePort } from '../../apps/agent/src/testing/fake-host.fixture.ts';
import {
  realSleep,
  sha256File,
  waitUntilHealthy,
  type HealthTiming,
  type UpgradePlan,
} from '../../apps/agent/src/index.ts';
import type { ObservedWatch, ObserverMessage, ObserverOptions } from './availability-observer-worker.ts';

/** The health check both measurements use: tight, so its interval does not hide the difference. */
export const BENCH_HEALTH_TIMING: HealthTiming = {
  timeoutMs: 1000,
  retries: 400,
  intervalMs: 10,
  minHealthyMs: 100,
};
export const OBSERVER_INTERVAL_MS = 5;

export interface DowntimeRound {
  readonly from: string;
  readonly to: string;
  /** As UpgradeExecutor records it: stop to first healthy answer. */
  readonly upgradeMs: number;
  /** The same for a plain stop + start. */
  readonly restartMs: number;
  /** Seen from outside. */
  readonly upgradeObservedMs: number;
  readonly restartObservedMs: number;
}

class Observer {
  readonly #worker: Worker;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  static async start(options: ObserverOptions): Promise<Observer> {
    const worker = new Worker(new URL('./availability-observer-worker.ts', import.meta.url), {
      workerData: options,
    });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return new Observer(worker);
  }

  /** The one outage seen while `work` ran (and until the service answered again). */
  async around(work: () => Promise<void>): Promise<number> {
    this.#worker.postMessage('start' satisfies ObserverMessage);
    await realSleep(30);
    await work();
    await realSleep(30);
    const reply = new Promise<ObservedWatch>((resolve) => {
      this.#worker.once('message', resolve);
    });
    this.#worker.postMessage('stop' satisfies ObserverMessage);
    const watch = await reply;
    if (watch.outagesMs.length !== 1) {
      throw new Error(
        `expected one outage, observed ${String(watch.outagesMs.length)}: ${JSON.stringify(watch)}`,
      );
    }
    return watch.outagesMs[0]!;
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/** `rounds` rounds of (upgrade, restart), after one unmeasured warm-up round. */
export async function runDowntimeBench(
  rounds: number,
  log: (line: string) => void,
): Promise<DowntimeRound[]> {
  const root = mkdtempSync(join(tmpdir(), 'upkeep-bench-host-'));
  const port = await freePort();
  const server = await startArtifactServer();
  layHost(root, '1.0.0');
  const host = openHost({ root, port });
  const runtime = { ...host.runtime, healthTiming: BENCH_HEALTH_TIMING };
  const versions = ['1.1.0', '1.0.0'] as const;
  const releases = new Map(
    versions.map((version) => {
      const release = releaseArchive(version);
      server.serve(`/${version}.tar.gz`, { body: release.body, etag: `"${version}"` });
      return [version, { url: server.url(`/${version}.tar.gz`), sha256: release.sha256 }];
    }),
  );
  const observer = await Observer.start({
    url: `http://127.0.0.1:${String(port)}/health`,
    intervalMs: OBSERVER_INTERVAL_MS,
  });
  try {
    recordInstalled(host, '1.0.0', await sha256File(hostPaths(root).binary));
    await runtime.service.start();
    const probe = runtime.healthProbe;
    if (probe === null) throw new Error('the bench host has no health probe');
    await waitUntilHealthy('exporter', probe, BENCH_HEALTH_TIMING, {
      now: () => performance.now(),
      sleep: realSleep,
    });

    const upgrade = async (to: string): Promise<number> => {
      const release = releases.get(to as (typeof versions)[number])!;
      const plan: UpgradePlan = { ...host.plan(to, release.url, release.sha256), runtime };
      const result = await host.executor().execute(plan);
      if ((await servedVersion(port)) !== to)
        throw new Error(`after the upgrade to ${to} the service does not serve it`);
      return result.downtimeMs;
    };
    const restart = async (): Promise<number> => {
      // The executor's own arithmetic: stop, start, then the first healthy answer.
      const stoppedAt = performance.now();
      await runtime.service.stop();
      await runtime.service.start();
      const outcome = await waitUntilHealthy('exporter', probe, BENCH_HEALTH_TIMING, {
        now: () => performance.now(),
        sleep: realSleep,
      });
      return performance.now() - outcome.healthyForMs - stoppedAt;
    };

    const results: DowntimeRound[] = [];
    for (let round = -1; round < rounds; round += 1) {
      const from = host.installed.find('exporter')?.version ?? '?';
      const to = from === versions[0] ? versions[1] : versions[0];
      let upgradeMs = 0;
      let restartMs = 0;
      const measureUpgrade = async (): Promise<number> =>
        observer.around(async () => {
          upgradeMs = await upgrade(to);
        });
      const measureRestart = async (): Promise<number> =>
        observer.around(async () => {
          restartMs = await restart();
        });
      let upgradeObservedMs: number;
      let restartObservedMs: number;
      if (round % 2 === 0) {
        upgradeObservedMs = await measureUpgrade();
        restartObservedMs = await measureRestart();
      } else {
        restartObservedMs = await measureRestart();
        upgradeObservedMs = await measureUpgrade();
      }
      if (round < 0) continue; // warm-up: caches, page cache, JIT
      results.push({ from, to, upgradeMs, restartMs, upgradeObservedMs, restartObservedMs });
      log(
        `  round ${String(round + 1)}/${String(rounds)}: upgrade ${from} -> ${to} ${upgradeMs.toFixed(0)} ms (observed ${upgradeObservedMs.toFixed(0)} ms), restart ${restartMs.toFixed(0)} ms (observed ${restartObservedMs.toFixed(0)} ms)`,
      );
    }
    return results;
  } finally {
    await observer.close();
    await runtime.service.stop().catch(() => undefined);
    host.close();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
