import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../eventually.ts';
import { exporterProgram, type ExporterBehaviour } from '../exporter/exporter-program.ts';
import { freePort } from '../free-port.ts';

/** Debian's Prometheus (installed by .ci/system-packages.sh); UPKEEP_TEST_PROMETHEUS overrides it. */
export const PROMETHEUS_BINARY = process.env.UPKEEP_TEST_PROMETHEUS ?? '/usr/bin/prometheus';

/** A scrape target: its address and the labels it gets (`instance` may name the host). */
export interface ScrapeTarget {
  readonly address: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface TestPrometheus {
  readonly url: string;
  /** Waits until every target was scraped at least `scrapes` times (default 1). */
  waitForScrapes(scrapes?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RunningExporter {
  readonly port: number;
  readonly address: string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    // Any answer (an unhealthy exporter says 500) means the process listens.
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a demo_exporter (the node_exporter stand-in) on a free port, healthy or answering 500. */
export async function startExporter(
  behaviour: ExporterBehaviour = 'healthy',
  version = '1.0.0',
): Promise<RunningExporter> {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-exporter-'));
  const program = join(dir, 'demo_exporter');
  writeFileSync(program, exporterProgram(version, behaviour, { interpreter: process.execPath }));
  chmodSync(program, 0o755);
  const port = await freePort();
  const child = spawn(program, [`--web.listen-address=127.0.0.1:${String(port)}`], { stdio: 'ignore' });
  const address = `127.0.0.1:${String(port)}`;
  await eventually(
    async () => ((await answers(`http://${address}/metrics`)) ? true : undefined),
    `demo_exporter on ${address}`,
    30_000,
    100,
  );
  return {
    port,
    address,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts Debian's real Prometheus on a free loopback port with a generated config (one job,
 * the given targets, a 1 s scrape interval) and a temporary storage directory; `stop` kills it
 * and removes both.
 */
export async function startPrometheus(targets: readonly ScrapeTarget[]): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    scrape_configs: [
      {
        job_name: 'fleet',
        static_configs: targets.map((target) => ({ targets: [target.address], labels: target.labels ?? {} })),
      },
    ],
  };
  // JSON is YAML: no YAML writer needed.
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  let log = '';
  const child = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    log = (log + chunk).slice(-4000);
  });
  const url = `http://127.0.0.1:${String(port)}`;
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`prometheus exited with ${String(child.exitCode)}: ${log}`);
        try {
          const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
          await response.arrayBuffer();
          return response.ok ? true : undefined;
        } catch {
          return undefined;
        }
      },
      'prometheus to be ready',
      60_000,
      100,
    );
  } catch (error) {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    waitForScrapes: async (scrapes = 1, timeoutMs = 60_000) => {
      await eventually(
        async () => {
          const query = new URLSearchParams({ query: `count_over_time(up[5m]) >= ${String(scrapes)}` });
          const response = await fetch(`${url}/api/v1/query?${query.toString()}`, {
            signal: AbortSignal.timeout(5000),
          });
          const body = (await response.json()) as { data?: { result?: unknown[] } };
          return (body.data?.result?.length ?? 0) >= targets.length ? true : undefined;
        },
        `${String(scrapes)} scrape(s) of every target`,
        timeoutMs,
        100,
      );
    },
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
