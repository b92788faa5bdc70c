import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadPolicyConfig } from '../config/load-policy-config.ts';
import { rolloutOrder } from './rollout-order.ts';

const config = loadPolicyConfig(`
components:
  loki: { github_repo: grafana/loki }
  promtail:
    github_repo: grafana/loki
    compatible_with: { loki: ">=2.9.0" }
    upgrade: { sync_version_with: loki }
  node_exporter:
    github_repo: prometheus/node_exporter
    compatible_with: { prometheus: ">=2.0.0" }
  prometheus: { github_repo: prometheus/prometheus }
  grafana_agent:
    github_repo: grafana/agent
    compatible_with: { promtail: ">=2.9.0" }
  a: { github_repo: x/a, compatible_with: { b: ">=1.0.0" } }
  b: { github_repo: x/b, compatible_with: { a: ">=1.0.0" } }
`);

describe('rolloutOrder', () => {
  it('puts Loki servers before promtail clients', () => {
    expect(rolloutOrder(config, ['promtail', 'loki'])).toEqual({
      order: ['loki', 'promtail'],
      waitsFor: { promtail: ['loki'], loki: [] },
      cycles: [],
    });
  });

  it('follows dependencies through components not given', () => {
    const order = rolloutOrder(config, ['grafana_agent', 'node_exporter', 'loki']);
    expect(order.order).toEqual(['node_exporter', 'loki', 'grafana_agent']);
    expect(order.waitsFor.grafana_agent).toEqual(['loki']);
  });

  it('keeps the given order inside a cycle and reports it', () => {
    const order = rolloutOrder(config, ['b', 'a']);
    expect(order.order).toEqual(['b', 'a']);
    expect(order.cycles).toEqual(['b', 'a']);
    expect(order.waitsFor).toEqual({ b: [], a: ['b'] });
  });

  it('orders the seed: loki is not defined there, so promtail waits for nothing', () => {
    const seed = loadPolicyConfig(
      readFileSync(new URL('../../../../examples/versions.seed.yaml', import.meta.url), 'utf8'),
    );
    expect(rolloutOrder(seed, ['promtail', 'node_exporter']).order).toEqual(['promtail', 'node_exporter']);
  });

  it('places every component once, each after what it waits for', () => {
    const names = Object.keys(config.components);
    fc.assert(
      fc.property(fc.shuffledSubarray(names), (given) => {
        const { order, waitsFor } = rolloutOrder(config, given);
        expect([...order].sort()).toEqual([...given].sort());
        for (const [name, dependencies] of Object.entries(waitsFor)) {
          for (const dependency of dependencies)
            expect(order.indexOf(dependency)).toBeLessThan(order.indexOf(name));
        }
      }),
    );
  });
});
