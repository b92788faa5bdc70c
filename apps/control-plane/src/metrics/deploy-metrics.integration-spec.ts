import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { UpkeepMetrics } from './upkeep-metrics.ts';

const DEPLOY = join(dirname(fileURLToPath(import.meta.url)), '../../../../deploy');
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/** Every upkeep_* name a PromQL expression mentions. */
function metricsIn(expression: string): string[] {
  return [...expression.matchAll(/\bupkeep_[a-z0-9_]+/g)].map((match) => match[0]);
}

/** The PromQL of every panel target of a Grafana dashboard, rows included. */
function dashboardExpressions(dashboard: unknown): string[] {
  const expressions: string[] = [];
  const visit = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const panel of panels as { targets?: { expr?: unknown }[]; panels?: unknown }[]) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr === 'string') expressions.push(target.expr);
      }
      visit(panel.panels);
    }
  };
  visit((dashboard as { panels?: unknown }).panels);
  return expressions;
}

function ruleExpressions(rules: unknown): string[] {
  const groups = (rules as { groups: { rules: { expr: string }[] }[] }).groups;
  return groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: join(DEPLOY, 'prometheus'), encoding: 'utf8' });
  if (result.error !== undefined) {
    throw new Error(`promtool could not start (${result.error.message}); run .ci/system-packages.sh`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/: the dashboard and the alert rules use only what /metrics exports', () => {
  let environment: TestEnvironment;
  let exported: Set<string>;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    const controlPlane = await environment.start();
    exported = new Set(controlPlane.app.get(UpkeepMetrics).metricNames());
  });

  afterAll(async () => {
    await environment.cleanup();
  });

  /** A series name is known when it is a family, or a histogram's _bucket/_sum/_count of one. */
  const unknownIn = (names: readonly string[]): string[] =>
    [...new Set(names)].filter(
      (name) => !exported.has(name) && !exported.has(name.replace(HISTOGRAM_SERIES, '')),
    );

  it('grafana/upkeep.json queries exported metrics only, and most of them', () => {
    const dashboard: unknown = JSON.parse(readFileSync(join(DEPLOY, 'grafana/upkeep.json'), 'utf8'));
    const expressions = dashboardExpressions(dashboard);
    expect(expressions.length).toBeGreaterThan(20);
    const used = expressions.flatMap(metricsIn);
    expect(unknownIn(used)).toEqual([]);
    // Every family has a panel, but for what only the alerts need.
    const shown = new Set(
      used.map((name) => (exported.has(name) ? name : name.replace(HISTOGRAM_SERIES, ''))),
    );
    expect([...exported].filter((name) => !shown.has(name))).toEqual([]);
  });

  it('prometheus/upkeep-rules.yml alerts on exported metrics only', () => {
    const rules: unknown = parse(readFileSync(join(DEPLOY, 'prometheus/upkeep-rules.yml'), 'utf8'));
    const expressions = ruleExpressions(rules);
    expect(expressions).toHaveLength(6);
    expect(unknownIn(expressions.flatMap(metricsIn))).toEqual([]);
  });

  it('docs/operations.md lists exactly the exported families', () => {
    const docs = readFileSync(join(DEPLOY, '../docs/operations.md'), 'utf8');
    const listed = [...docs.matchAll(/^\| `(upkeep_[a-z0-9_]+)`/gm)].map((match) => match[1] ?? '');
    expect([...listed].sort()).toEqual([...exported].sort());
  });

  it('the test catches a metric the code does not export', () => {
    expect(
      unknownIn(metricsIn('rate(upkeep_upgrade_duration_seconds_bucket[5m]) + upkeep_no_such_thing')),
    ).toEqual(['upkeep_no_such_thing']);
  });

  it('the rules pass promtool check rules and their unit tests; the example config loads them', () => {
    const check = promtool('check', 'rules', 'upkeep-rules.yml');
    expect(check.output).toContain('SUCCESS: 6 rules found');
    expect(check.status).toBe(0);
    const config = promtool('check', 'config', 'prometheus.yml');
    expect(config.output).toContain('is valid prometheus config file syntax');
    expect(config.status).toBe(0);
    const test = promtool('test', 'rules', 'upkeep-rules.test.yml');
    expect(test.output).toContain('SUCCESS');
    expect(test.status).toBe(0);
  });
});
