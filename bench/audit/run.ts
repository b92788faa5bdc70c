/**
 * Audit benchmark (issue 6): one million audit events in a fresh schema, then every
 * filter of GET /api/audit timed through the compiled control plane over HTTP (the
 * real controller, service and repository): a first page and a deep cursor page, many
 * repetitions each, interleaved. Prints median and p95 per filter and the upgrade-history
 * query; target: every filtered page under 100 ms median.
 *
 *   pnpm bench:audit          (BENCH_EVENTS=1000000, BENCH_REPS=30, BENCH_LIMIT=50)
 *
 * Uses the machine's Postgres and Redis (its own schema and queue prefix, removed afterwards).
 * Progress goes to stderr, the report to stdout; exit code 1 when a target is missed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  DEFAULT_DATABASE_URL,
  startControlPlaneProcess,
} from '../../test/support/fleet/control-plane-process.ts';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const REPS = Number(process.env['BENCH_REPS'] ?? 30);
const LIMIT = Number(process.env['BENCH_LIMIT'] ?? 50);
const DEEP = 10_000;
const TARGET_MS = 100;
const HOSTS = 500;

const progress = (message: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
};

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * The events, generated inside Postgres. One row per series number; the random draws
 * are taken once per row (the LATERAL refers to the row so it is not evaluated once).
 * Shapes: components Zipf-like (node_exporter most common), hosts skewed, times over
 * the last year; actions mostly job steps and results, some rollouts, tokens, policy.
 */
function loadSql(events: number): string {
  return `
WITH draws AS (
  SELECT g, random() + 0 * g AS r_time, random() + 0 * g AS r_action, random() + 0 * g AS r_comp,
         random() + 0 * g AS r_host, random() + 0 * g AS r_ver, random() + 0 * g AS r_out, random() + 0 * g AS r_actor
  FROM generate_series(1, ${String(events)}) AS g
), shaped AS (
  SELECT g,
    now() - (r_time * interval '365 days') AS occurred_at,
    CASE
      WHEN r_action < 0.50 THEN 'job.step'
      WHEN r_action < 0.62 THEN 'job.created'
      WHEN r_action < 0.73 THEN 'job.succeeded'
      WHEN r_action < 0.75 THEN 'job.failed'
      WHEN r_action < 0.76 THEN 'job.rolled_back'
      WHEN r_action < 0.765 THEN 'job.refused'
      WHEN r_action < 0.77 THEN 'job.expired'
      WHEN r_action < 0.86 THEN 'host.inventory_changed'
      WHEN r_action < 0.88 THEN 'artifact.fetched'
      WHEN r_action < 0.89 THEN 'rollout.created'
      WHEN r_action < 0.895 THEN 'rollout.approved'
      WHEN r_action < 0.90 THEN 'rollout.completed'
      WHEN r_action < 0.93 THEN 'rollout.host_dispatched'
      WHEN r_action < 0.94 THEN 'rollout.wave_completed'
      WHEN r_action < 0.945 THEN 'api_token.created'
      WHEN r_action < 0.95 THEN 'enrollment_token.created'
      WHEN r_action < 0.9995 THEN 'host.enrolled'
      ELSE 'policy.changed'
    END AS action,
    (ARRAY['node_exporter','promtail','loki','prometheus','alertmanager','blackbox_exporter','grafana-agent',
           'vector','consul','nomad','vault','etcd'])[1 + floor(power(r_comp, 2.2) * 12)::int] AS component,
    floor(power(r_host, 1.4) * ${String(HOSTS)})::int AS host_index,
    '1.' || floor(r_ver * 9)::int || '.0' AS version,
    r_out, r_actor
  FROM draws
)
INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, action, target_type, target_id, details,
                          component_name, host_id, host_groups, version, outcome)
SELECT
  md5('event' || g)::uuid,
  occurred_at,
  (CASE
    WHEN action IN ('job.created', 'rollout.created', 'rollout.approved', 'api_token.created',
                    'enrollment_token.created') THEN 'api_token'
    WHEN action IN ('artifact.fetched', 'rollout.completed', 'rollout.host_dispatched',
                    'rollout.wave_completed', 'policy.changed', 'job.expired') THEN 'system'
    ELSE 'agent' END)::actor_type,
  CASE
    WHEN action IN ('job.created', 'rollout.created', 'rollout.approved', 'api_token.created',
                    'enrollment_token.created') THEN 'operator-' || floor(power(r_actor, 2) * 20)::int
    WHEN action IN ('artifact.fetched', 'rollout.completed', 'rollout.host_dispatched',
                    'rollout.wave_completed', 'policy.changed', 'job.expired') THEN 'control-plane'
    ELSE md5('host' || host_index)::uuid::text END,
  action,
  split_part(action, '.', 1),
  md5('target' || (g / 7))::uuid::text,
  jsonb_build_object('bench', true),
  CASE WHEN action LIKE 'job.%' OR action LIKE 'rollout.%' OR action IN ('host.inventory_changed', 'artifact.fetched')
       THEN component END,
  CASE WHEN action LIKE 'job.%' OR action IN ('host.inventory_changed', 'host.enrolled', 'rollout.host_dispatched')
       THEN md5('host' || host_index)::uuid END,
  CASE WHEN action LIKE 'job.%' OR action IN ('host.inventory_changed', 'host.enrolled', 'rollout.host_dispatched')
       THEN ARRAY[(ARRAY['prod','staging','dev'])[1 + host_index % 3],
                  (ARRAY['web','db','cache','lb','edge'])[1 + (host_index / 3) % 5]]
       ELSE ARRAY[]::text[] END,
  CASE WHEN action LIKE 'job.%' OR action LIKE 'rollout.%' OR action IN ('host.inventory_changed', 'artifact.fetched')
       THEN version END,
  CASE
    WHEN action = 'job.step' THEN (CASE WHEN r_out < 0.45 THEN 'started' WHEN r_out < 0.97 THEN 'succeeded'
                                        WHEN r_out < 0.99 THEN 'failed' ELSE 'skipped' END)
    WHEN action = 'job.succeeded' THEN 'succeeded'
    WHEN action = 'job.failed' THEN 'failed'
    WHEN action = 'job.rolled_back' THEN 'rolled_back'
    WHEN action = 'job.refused' THEN 'refused'
    WHEN action = 'job.expired' THEN 'expired'
    ELSE NULL END
FROM shaped`;
}

interface Filter {
  readonly name: string;
  readonly query: Record<string, string>;
}

const schema = `bench_audit_${randomBytes(5).toString('hex')}`;
const prefix = `bench-${randomBytes(5).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'upkeep-bench-audit-'));
progress(`starting the control plane on schema ${schema} (compiled first; migrations run at start-up)`);
const server = await startControlPlaneProcess({
  dir,
  schema,
  queuePrefix: prefix,
  logLevel: 'warn',
  // The control plane's default relay period, not the tests' 100 ms: the figures stay comparable.
  extraEnv: { UPKEEP_OUTBOX_POLL_MS: '1000' },
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
  const token = await server.createApiToken('bench', 'viewer');
  await db.query(`SET search_path TO "${schema}"`);

  // Loading: hosts, then the events with the secondary indexes dropped and rebuilt after
  // (one sorted build per index is several times faster than a million index inserts).
  let started = performance.now();
  await db.query(
    `INSERT INTO hosts (id, hostname, groups, os, arch, agent_version, enrolled_at)
     SELECT md5('host' || i)::uuid, 'host-' || lpad(i::text, 4, '0'),
            ARRAY[(ARRAY['prod','staging','dev'])[1 + i % 3], (ARRAY['web','db','cache','lb','edge'])[1 + (i / 3) % 5]],
            'linux', 'amd64', '1.0.0', now()
     FROM generate_series(0, ${String(HOSTS - 1)}) AS i`,
  );
  const indexes = await db.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE schemaname = $1 AND tablename = 'audit_events' AND indexname <> 'audit_events_pkey'`,
    [schema],
  );
  for (const index of indexes.rows) await db.query(`DROP INDEX "${index.name}"`);
  progress(`loading ${EVENTS.toLocaleString('en')} events`);
  await db.query(loadSql(EVENTS));
  const insertSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  await db.query('SET maintenance_work_mem = 262144'); // 256 MB, in kB
  for (const index of indexes.rows) await db.query(index.definition);
  await db.query('VACUUM ANALYZE audit_events');
  const indexSeconds = (performance.now() - started) / 1000;
  const size = await db.query<{ table: string; indexes: string }>(
    `SELECT pg_size_pretty(pg_table_size('audit_events')) AS table,
            pg_size_pretty(pg_indexes_size('audit_events')) AS indexes`,
  );
  progress(`loaded in ${insertSeconds.toFixed(1)} s, indexed in ${indexSeconds.toFixed(1)} s`);

  const host = await db.query<{ id: string; hostname: string }>(
    `SELECT host_id::text AS id, h.hostname FROM audit_events a JOIN hosts h ON h.id = a.host_id
     GROUP BY host_id, h.hostname ORDER BY count(*) DESC LIMIT 1`,
  );
  const busiest = host.rows[0];
  if (busiest === undefined) throw new Error('no events with hosts were generated');
  const year = new Date().getUTCFullYear();
  const filters: Filter[] = [
    { name: 'no filter', query: {} },
    { name: 'component', query: { component: 'node_exporter' } },
    { name: 'component (rare)', query: { component: 'etcd' } },
    { name: 'host (id)', query: { host: busiest.id } },
    { name: 'host (hostname)', query: { host: busiest.hostname } },
    { name: 'group (1/3 of hosts)', query: { group: 'prod' } },
    { name: 'group (1/5 of hosts)', query: { group: 'lb' } },
    { name: 'version', query: { version: '1.6.0' } },
    { name: 'actor', query: { actor: 'operator-3' } },
    { name: 'action (rare)', query: { action: 'rollout.approved' } },
    { name: 'outcome', query: { outcome: 'failed' } },
    {
      name: 'time range (3 months)',
      query: { since: `${String(year)}-03-01`, until: `${String(year)}-06-01` },
    },
    { name: 'component + outcome', query: { component: 'node_exporter', outcome: 'rolled_back' } },
    { name: 'component + version', query: { component: 'node_exporter', version: '1.6.0' } },
    { name: 'actor + action', query: { actor: 'operator-3', action: 'job.created' } },
    { name: 'host + component', query: { host: busiest.id, component: 'node_exporter' } },
    { name: 'group + outcome', query: { group: 'lb', outcome: 'failed' } },
    {
      name: 'component + range',
      query: { component: 'promtail', since: `${String(year)}-03-01`, until: `${String(year)}-06-01` },
    },
  ];

  const get = async (path: string, query: Record<string, string>): Promise<{ ms: number; body: unknown }> => {
    const url = new URL(`${httpUrl}${path}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const start = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body: unknown = await response.json();
    const ms = performance.now() - start;
    if (response.status !== 200)
      throw new Error(`${url.toString()}: ${String(response.status)} ${JSON.stringify(body)}`);
    return { ms, body };
  };

  // The deep cursor of each filter: page through with the API's own cursors until
  // DEEP events (or half of what matches) lie behind it.
  progress('finding a deep cursor for each filter');
  const deepCursors = new Map<string, string | null>();
  for (const filter of filters) {
    let cursor: string | null = null;
    let behind = 0;
    for (;;) {
      const { body } = await get('/api/audit', {
        ...filter.query,
        limit: '500',
        ...(cursor === null ? {} : { cursor }),
      });
      const page = body as { items: unknown[]; nextCursor: string | null };
      if (page.nextCursor === null && cursor === null && page.items.length > 1) {
        // Fewer than one page of 500 match: the deep page starts halfway through them.
        const half = String(Math.floor(page.items.length / 2));
        const halfway = await get('/api/audit', { ...filter.query, limit: half });
        cursor = (halfway.body as { nextCursor: string | null }).nextCursor;
        behind = Number(half);
        break;
      }
      behind += page.items.length;
      if (page.nextCursor === null || behind >= DEEP) {
        cursor = page.nextCursor ?? cursor;
        break;
      }
      cursor = page.nextCursor;
    }
    deepCursors.set(filter.name, cursor);
    progress(`  ${filter.name}: ${String(behind)} events behind the deep cursor`);
  }

  const first = new Map<string, number[]>();
  const deep = new Map<string, number[]>();
  const matches = new Map<string, number>();
  progress(`timing ${String(REPS)} rounds (first page and deep page of every filter, interleaved)`);
  for (const filter of filters) await get('/api/audit', { ...filter.query, limit: String(LIMIT) }); // warm-up
  for (let round = 0; round < REPS; round += 1) {
    // Rotate the order each round so no filter always runs right after another's cache misses.
    for (let step = 0; step < filters.length; step += 1) {
      const filter = filters[(step + round) % filters.length];
      if (filter === undefined) continue;
      const firstPage = await get('/api/audit', { ...filter.query, limit: String(LIMIT) });
      first.set(filter.name, [...(first.get(filter.name) ?? []), firstPage.ms]);
      matches.set(filter.name, (firstPage.body as { items: unknown[] }).items.length);
      const cursor = deepCursors.get(filter.name) ?? null;
      if (cursor !== null) {
        const deepPage = await get('/api/audit', { ...filter.query, limit: String(LIMIT), cursor });
        deep.set(filter.name, [...(deep.get(filter.name) ?? []), deepPage.ms]);
      }
    }
  }
  const history: number[] = [];
  let intervals = 0;
  for (let round = 0; round < Math.max(5, Math.floor(REPS / 3)); round += 1) {
    const answer = await get('/api/history/upgrades', {
      component: 'node_exporter',
      version: '1.6.0',
      since: `${String(year)}-03-01`,
      until: `${String(year)}-06-01`,
    });
    history.push(answer.ms);
    intervals = (answer.body as { items: unknown[] }).items.length;
  }

  const stats = (values: readonly number[] | undefined): { median: number; p95: number } => {
    const sorted = [...(values ?? [])].sort((a, b) => a - b);
    return { median: percentile(sorted, 50), p95: percentile(sorted, 95) };
  };
  const fmt = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(1));
  const lines: string[] = [];
  lines.push(
    `audit benchmark: ${EVENTS.toLocaleString('en')} events over a year, ${String(HOSTS)} hosts, 12 components`,
    `load: insert ${insertSeconds.toFixed(1)} s, index build + analyze ${indexSeconds.toFixed(1)} s; ` +
      `table ${size.rows[0]?.table ?? '?'}, indexes ${size.rows[0]?.indexes ?? '?'}`,
    `GET /api/audit over HTTP, page of ${String(LIMIT)}, ${String(REPS)} rounds; deep page = after ` +
      `${DEEP.toLocaleString('en')} newer matching events (or all there are); times in ms`,
    '',
    `${'filter'.padEnd(24)} ${'first median'.padStart(12)} ${'first p95'.padStart(10)} ` +
      `${'deep median'.padStart(12)} ${'deep p95'.padStart(10)}`,
  );
  const misses: string[] = [];
  for (const filter of filters) {
    const a = stats(first.get(filter.name));
    const b = stats(deep.get(filter.name));
    lines.push(
      `${filter.name.padEnd(24)} ${fmt(a.median).padStart(12)} ${fmt(a.p95).padStart(10)} ` +
        `${fmt(b.median).padStart(12)} ${fmt(b.p95).padStart(10)}` +
        (matches.get(filter.name) === LIMIT ? '' : `  (first page has ${String(matches.get(filter.name))})`),
    );
    if (!(a.median < TARGET_MS)) misses.push(`${filter.name} first page`);
    if (!Number.isNaN(b.median) && !(b.median < TARGET_MS)) misses.push(`${filter.name} deep page`);
  }
  const h = stats(history);
  lines.push(
    '',
    `GET /api/history/upgrades node_exporter 1.6.0, March to May: median ${fmt(h.median)} ms, ` +
      `p95 ${fmt(h.p95)} ms (${String(intervals)} intervals, ${String(history.length)} runs)`,
    '',
    misses.length === 0
      ? `PASS every filtered page under ${String(TARGET_MS)} ms median`
      : `FAIL over ${String(TARGET_MS)} ms median: ${misses.join(', ')}`,
  );
  failed = misses.length > 0;
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await cleanup();
}
process.exitCode = failed ? 1 : 0;
