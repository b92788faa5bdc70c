import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/free-port.ts';
import {
  startExporter,
  startPrometheus,
  type RunningExporter,
  type TestPrometheus,
} from '../../../../test/support/prometheus/test-prometheus.ts';
import type { RolloutGuardContext, RolloutGuardVerdict } from '../rollouts/rollout-guard.ts';
import { PrometheusGateGuard } from './prometheus-gate.guard.ts';
import { PrometheusRepository } from './prometheus.repository.ts';
import type { FrozenGate, RolloutFactsPort } from './rollout-facts.ts';

const UP = 'min by (instance) (up{instance=~"$instances"})';

function factsWith(gates: FrozenGate[]): RolloutFactsPort {
  return {
    factsOf: async () => Promise.resolve({ gates, maintenanceWindow: false }),
    standingOf: async () => Promise.resolve([]),
  };
}

function context(hostnames: string[], phase: 'dispatch' | 'promote' = 'promote'): RolloutGuardContext {
  return {
    rolloutId: '00000000-0000-4000-8000-000000000001',
    componentName: 'node_exporter',
    environment: 'production',
    targetVersion: '1.8.0',
    phase,
    waveIndex: 0,
    waveName: 'canary',
    hosts: hostnames.map((hostname, index) => ({ id: String(index), hostname, groups: [] })),
    expectedDurationMs: 60_000,
    waitsFor: [],
    now: new Date(),
  };
}

function reasonOf(verdict: RolloutGuardVerdict): string {
  return verdict.ok ? 'ok' : verdict.reason;
}

describe('PrometheusGateGuard against a real Prometheus', () => {
  const exporters: RunningExporter[] = [];
  let prometheus: TestPrometheus;
  let repository: PrometheusRepository;

  beforeAll(async () => {
    exporters.push(
      await startExporter('healthy'),
      await startExporter('healthy'),
      await startExporter('unhealthy'),
    );
    const [a, b, c] = exporters.map((exporter) => exporter.port);
    prometheus = await startPrometheus([
      { address: `127.0.0.1:${String(a)}`, labels: { instance: `host-a:${String(a)}` } },
      { address: `127.0.0.1:${String(b)}`, labels: { instance: `host-b.example:${String(b)}` } },
      { address: `127.0.0.1:${String(c)}`, labels: { instance: `host-c:${String(c)}` } },
    ]);
    await prometheus.waitForScrapes(2);
    repository = new PrometheusRepository(prometheus.url, 10_000);
  }, 180_000);

  afterAll(async () => {
    await prometheus.stop();
    await Promise.all(exporters.map((exporter) => exporter.stop()));
  }, 60_000);

  it('passes when every upgraded host is up', async () => {
    const guard = new PrometheusGateGuard(
      factsWith([{ query: UP, successCondition: '== 1', forSeconds: 0 }]),
      repository,
    );
    expect(await guard.check(context(['host-a', 'host-b.example']))).toEqual({ ok: true });
  });

  it('holds the wave, naming the series, when one host fails its scrape', async () => {
    const guard = new PrometheusGateGuard(
      factsWith([{ query: UP, successCondition: '== 1', forSeconds: 0 }]),
      repository,
    );
    const now = new Date();
    const verdict = await guard.check({ ...context(['host-a', 'host-c']), now });
    expect(verdict.ok).toBe(false);
    expect(reasonOf(verdict)).toMatch(/^gate 1 \(.*== 1\): \{instance="host-c:\d+"\} is 0, not == 1$/);
    expect(verdict.ok ? undefined : verdict.retryAt?.getTime()).toBe(now.getTime() + 30_000);
  });

  it('holds on no data, on a query error, and on a condition it cannot read', async () => {
    const noData = new PrometheusGateGuard(
      factsWith([{ query: UP, successCondition: '> 0', forSeconds: 0 }]),
      repository,
    );
    expect(reasonOf(await noData.check(context(['host-z'])))).toContain(
      'no data for min by (instance) (up{instance=~"(host-z)(:[0-9]+)?"})',
    );
    const broken = new PrometheusGateGuard(
      factsWith([{ query: 'up{', successCondition: '> 0', forSeconds: 0 }]),
      repository,
    );
    expect(reasonOf(await broken.check(context(['host-a'])))).toMatch(
      /the query failed: Prometheus refused the query \(HTTP 400, bad_data\)/,
    );
    const unreadable = new PrometheusGateGuard(
      factsWith([{ query: UP, successCondition: '0.99', forSeconds: 0 }]),
      repository,
    );
    expect(reasonOf(await unreadable.check(context(['host-a'])))).toContain(
      'the success condition cannot be read',
    );
  });

  it('with for: holds until the data covers the whole duration, then passes', async () => {
    const long = new PrometheusGateGuard(
      factsWith([{ query: UP, successCondition: '== 1', forSeconds: 3600 }]),
      repository,
    );
    expect(reasonOf(await long.check(context(['host-a'])))).toMatch(
      /has data for only \d+s of the 3600s it must hold/,
    );

    const short = new PrometheusGateGuard(
      factsWith([{ query: UP, successCondition: '== 1', forSeconds: 4 }]),
      repository,
    );
    const deadline = Date.now() + 60_000;
    let verdict = await short.check(context(['host-a', 'host-b.example']));
    while (!verdict.ok && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      verdict = await short.check(context(['host-a', 'host-b.example']));
    }
    expect(verdict).toEqual({ ok: true });
  }, 90_000);

  it('with for: holds when a sample in the duration breaks the condition', async () => {
    const guard = new PrometheusGateGuard(
      factsWith([{ query: UP, successCondition: '== 1', forSeconds: 2 }]),
      repository,
    );
    expect(reasonOf(await guard.check(context(['host-c'])))).toMatch(
      /\{instance="host-c:\d+"\} was 0 at .*, not == 1 for 2s/,
    );
  });

  it('does not gate dispatches within a wave', async () => {
    const guard = new PrometheusGateGuard(
      factsWith([{ query: UP, successCondition: '== 1', forSeconds: 0 }]),
      repository,
    );
    expect(await guard.check(context(['host-c'], 'dispatch'))).toEqual({ ok: true });
  });

  it('holds when Prometheus is not configured or not reachable', async () => {
    const gates = [{ query: UP, successCondition: '== 1', forSeconds: 0 }];
    expect(
      reasonOf(await new PrometheusGateGuard(factsWith(gates), null).check(context(['host-a']))),
    ).toContain('UPKEEP_PROMETHEUS_URL is not set');
    const closed = new PrometheusRepository(`http://127.0.0.1:${String(await freePort())}`, 2000);
    expect(
      reasonOf(await new PrometheusGateGuard(factsWith(gates), closed).check(context(['host-a']))),
    ).toMatch(/the query failed: Prometheus at .* cannot be reached/);
  });

  it('bounds the time a silent Prometheus can take', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const slow = new PrometheusRepository(`http://127.0.0.1:${String(port)}`, 1000);
      const guard = new PrometheusGateGuard(
        factsWith([{ query: UP, successCondition: '== 1', forSeconds: 0 }]),
        slow,
      );
      const started = Date.now();
      expect(reasonOf(await guard.check(context(['host-a'])))).toContain('did not answer within 2000 ms');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
