// bench/metrics: GET /metrics of the compiled control plane (its own process) over a fleet
// of HOSTS hosts x 3 components written straight into Postgres, with a versions.yaml and
// stored releases so the drift gauge resolves versions at every scrape. Prints the scrape
// time (median, p95, max), the body size and the series count, and PASS/FAIL against
// the target: p95 under 2 s (Prometheus' default scrape timeout is 10 s).
//
//   pnpm bench:metrics [-- --hosts 5000 --scrapes 30]
//
// Uses the machine's Postgres and Redis (its own schema and queue prefix, removed afterwards).
// The control plane is compiled (decorators need tsc) and started by the tests' starter.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  DEFAULT_DATABASE_URL,
  startControlPlaneProcess,
} from '../../test/support/fleet/control-plane-process.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: {
    hosts: { type: 'string', default: '5000' },
    scrapes: { type: 'string', default: '30' },
  },
});
const HOSTS = Number(values.hosts);
const SCRAPES = Number(values.scrapes);
const TARGET_P95_MS = 2000;
const COMPONENTS = ['node_exporter', 'promtail', 'loki'] as const;
const VERSIONS = ['1.6.1', '1.7.0', '1.8.2'];

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const schema = `bench_${randomBytes(5).toString('hex')}`;
const prefix = `bench-${randomBytes(5).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'upkeep-bench-metrics-'));
// Sources point at a closed port: discovery fails fast and the seeded releases stay what they are.
const policyFile = join(dir, 'versions.yaml');
writeFileSync(
  policyFile,
  `global:\n  github_api:\n    base_url: http://127.0.0.1:9\n  cache:\n    ttl: 86400\ncomponents:\n${COMPONENTS.map(
    (name) => `  ${name}:\n    strategy: latest\n    github_repo: bench/${name}\n`,
  ).join(
    '',
  )}environments:\n  prod:\n    component_overrides:\n      node_exporter:\n        strategy: pinned\n        version: "1.7.0"\n`,
);
const server = await startControlPlaneProcess({
  dir,
  schema,
  queuePrefix: prefix,
  policyFile,
  logLevel: 'fatal',
  extraEnv: {
    UPKEEP_DISCOVERY_INTERVAL_SECONDS: '86400',
    // The control plane's default relay period, not the tests' 100 ms: the figures stay comparable.
    UPKEEP_OUTBOX_POLL_MS: '1000',
  },
});
const httpUrl = server.httpUrl;
const db = new pg.Client({ connectionString: DEFAULT_DATABASE_URL });
await db.connect();

async function cleanup(): Promise<void> {
  await db.end();
  await server.stop({ dropData: true });
  rmSync(dir, { recursive: true, force: true });
}

let failed: boolean;
try {
  // The fleet, in a few set-based statements: a third of the hosts in prod, versions spread,
  // one rollback point each, heartbeats within the last minutes; plus releases, advisories,
  // breaking changes, open jobs and an outbox backlog so every gauge has rows.
  const seedStarted = performance.now();
  await db.query(`SET search_path TO "${schema}"`);
  await db.query(
    `INSERT INTO hosts (id, hostname, labels, groups, os, arch, agent_version, enrolled_at, last_seen_at)
     SELECT gen_random_uuid(), 'host-' || lpad(n::text, 5, '0'),
            CASE WHEN n % 3 = 0 THEN '{"env":"prod"}'::jsonb ELSE '{}'::jsonb END,
            ARRAY['group-' || (n % 10)], 'linux', 'amd64', '0.1.0', now(), now() - (n % 600) * interval '1 second'
     FROM generate_series(1, $1) AS n`,
    [HOSTS],
  );
  await db.query(
    `INSERT INTO host_inventory (id, host_id, component_name, version, binary_path, sha256, rollback_points, reported_at)
     SELECT gen_random_uuid(), h.id, c.name, ($1::text[])[1 + (abs(hashtext(h.hostname || c.name)) % 3)],
            '/usr/local/bin/' || c.name, repeat('a', 64), 1, now()
     FROM hosts h CROSS JOIN unnest($2::text[]) AS c(name)`,
    [VERSIONS, [...COMPONENTS]],
  );
  await db.query(
    `INSERT INTO releases (id, component_id, version, tag, published_at)
     SELECT gen_random_uuid(), c.id, v.version, 'v' || v.version, now() - v.age * interval '30 days'
     FROM components c CROSS JOIN unnest($1::text[], ARRAY[3, 2, 1]) AS v(version, age)
     ON CONFLICT DO NOTHING`,
    [VERSIONS],
  );
  await db.query(
    `INSERT INTO advisories (id, component_id, external_id, severity, summary, affected)
     SELECT gen_random_uuid(), c.id, 'GHSA-' || c.name || '-' || n, CASE WHEN n = 1 THEN 'HIGH' ELSE 'MODERATE' END,
            'bench advisory', '[]'::jsonb
     FROM components c CROSS JOIN generate_series(1, 2) AS n`,
  );
  await db.query(
    `INSERT INTO breaking_changes (id, component_id, version, description)
     SELECT gen_random_uuid(), c.id, '1.8.2', 'a flag was renamed' FROM components c`,
  );
  await db.query(
    `INSERT INTO jobs (id, host_id, kind, component_name, target_version, state, sequence, assignment, signature, expires_at, created_by)
     SELECT gen_random_uuid(), h.id, 'upgrade', 'node_exporter', '1.8.2',
            (ARRAY['pending', 'delivered', 'running', 'succeeded']::job_state[])[1 + (row_number() OVER () % 4)],
            1, '', '', now() + interval '1 day', 'bench'
     FROM hosts h LIMIT 2000`,
  );
  await db.query(
    `INSERT INTO outbox (id, queue, name, payload, published_at)
     SELECT gen_random_uuid(), 'bench', 'bench', '{}'::jsonb, CASE WHEN n % 10 = 0 THEN NULL ELSE now() END
     FROM generate_series(1, 5000) AS n`,
  );
  await db.query('ANALYZE');
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const scrape = async (): Promise<{ ms: number; bytes: number; series: number }> => {
    const started = performance.now();
    const response = await fetch(`${httpUrl}/metrics`);
    const body = await response.text();
    const ms = performance.now() - started;
    if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${body}`);
    const series = body.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
    return { ms, bytes: Buffer.byteLength(body), series };
  };
  for (let warm = 0; warm < 3; warm += 1) await scrape();
  const runs: { ms: number; bytes: number; series: number }[] = [];
  for (let index = 0; index < SCRAPES; index += 1) runs.push(await scrape());
  const times = runs.map((run) => run.ms).sort((a, b) => a - b);
  const last = runs.at(-1);
  const infoSeries = HOSTS * COMPONENTS.length;

  process.stdout.write(
    [
      `fleet: ${HOSTS} hosts x ${COMPONENTS.length} components (${infoSeries} upkeep_component_info series), seeded in ${seedSeconds.toFixed(1)} s`,
      `GET /metrics x ${SCRAPES} (after 3 warm-up): median ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms, max ${(times.at(-1) ?? 0).toFixed(0)} ms`,
      `body ${((last?.bytes ?? 0) / 1024 / 1024).toFixed(2)} MiB, ${last?.series ?? 0} samples`,
      '',
    ].join('\n'),
  );
  const p95 = percentile(times, 95);
  const passed = p95 < TARGET_P95_MS && (last?.series ?? 0) >= infoSeries;
  process.stdout.write(
    `${passed ? 'PASS' : 'FAIL'} scrape p95 ${p95.toFixed(0)} ms < ${TARGET_P95_MS} ms with every component_info series\n`,
  );
  failed = !passed;
} finally {
  await cleanup();
}
if (failed) process.exitCode = 1;
