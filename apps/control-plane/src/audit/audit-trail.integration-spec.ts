import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import type { Actor, AuditEvent, AuditEventInput } from './audit-event.ts';
import { AuditRepository } from './audit.repository.ts';

interface Answer<T> {
  status: number;
  body: T;
}

interface PageBody {
  items: AuditEvent[];
  nextCursor: string | null;
}

interface Seeded {
  id?: string;
  at: Date;
  event: AuditEventInput;
}

const QUIET = { relay: false, reconciler: false, workers: false };
const ALICE: Actor = { type: 'api_token', id: 'alice' };
const BOB: Actor = { type: 'api_token', id: 'bob' };

describe('the audit trail: subject filters, keyset pages, append-only, upgrade history', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let viewer = '';
  let approver: Actor = { type: 'api_token', id: '' };
  const hosts: Record<'web1' | 'web2' | 'db1', string> = {
    web1: randomUUID(),
    web2: randomUUID(),
    db1: randomUUID(),
  };
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const seeded: Seeded[] = [];

  const api = async <T>(path: string): Promise<Answer<T>> => {
    const response = await fetch(`${controlPlane.httpUrl}${path}`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  /** Every event of the filter, newest first, read page by page. */
  const readAll = async (filter: string, limit = 4): Promise<AuditEvent[]> => {
    const events: AuditEvent[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 200; page += 1) {
      const query: string = `${filter}&limit=${String(limit)}${cursor === null ? '' : `&cursor=${cursor}`}`;
      const answer: Answer<PageBody> = await api<PageBody>(`/api/audit?${query}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      events.push(...answer.body.items);
      cursor = answer.body.nextCursor;
      if (cursor === null) return events;
    }
    throw new Error('more than 200 pages');
  };

  const record = async (at: Date, event: AuditEventInput): Promise<void> => {
    const audit = controlPlane.app.get(AuditRepository);
    await controlPlane.prisma.$transaction(async (tx) => {
      await audit.record(tx, event, at);
    });
  };

  const job = (
    hostId: string,
    action: string,
    actor: Actor,
    subject: { component: string; version: string | null; outcome?: string },
    jobId = randomUUID(),
  ): AuditEventInput => ({
    actor,
    action,
    targetType: 'job',
    targetId: jobId,
    subject: { ...subject, hostId },
  });

  beforeAll(async () => {
    environment = await createTestEnvironment();
    controlPlane = await environment.start({ background: QUIET });
    const created = await controlPlane.app
      .get(ApiTokenService)
      .create('audit-viewer', 'viewer', null, { type: 'system', id: 'test' });
    viewer = created.token;
    // Its id stands in for an approver's token: approvers are shown with their token's name.
    approver = { type: 'api_token', id: created.id };
    const now = new Date();
    const host = (id: string, hostname: string, groups: string[]) => ({
      id,
      hostname,
      groups,
      os: 'linux',
      arch: 'amd64',
      agentVersion: '1.0.0',
      enrolledAt: now,
    });
    await controlPlane.prisma.host.createMany({
      data: [
        host(hosts.web1, 'web-1', ['web', 'prod']),
        host(hosts.web2, 'web-2', ['web', 'staging']),
        host(hosts.db1, 'db-1', ['db', 'prod']),
      ],
    });
    // A deterministic spread: 3 hosts x 2 components x versions, outcomes and actors over 60 hours.
    const components = ['node_exporter', 'promtail'];
    const outcomes = ['succeeded', 'failed', 'rolled_back', 'refused'];
    const hostIds = [hosts.web1, hosts.web2, hosts.db1];
    for (let index = 0; index < 60; index += 1) {
      const component = components[index % 2] ?? 'node_exporter';
      const outcome = outcomes[index % 4] ?? 'succeeded';
      const version = `1.${String(index % 3)}.0`;
      const actor = index % 5 === 0 ? BOB : ALICE;
      const hostId = hostIds[index % 3] ?? hosts.web1;
      seeded.push({
        // Two events share each instant: the id breaks the tie in the keyset.
        at: new Date(t0 + Math.floor(index / 2) * 3_600_000),
        event: job(hostId, `job.${outcome}`, actor, { component, version, outcome }),
      });
    }
    seeded.push({
      at: new Date(t0 + 40 * 3_600_000),
      event: { actor: ALICE, action: 'api_token.created', targetType: 'api_token', targetId: 'x' },
    });
    for (const { at, event } of seeded) await record(at, event);
  }, 120_000);

  afterAll(async () => {
    await environment.cleanup();
  });

  const expected = (predicate: (entry: Seeded) => boolean): number => seeded.filter(predicate).length;
  const subjectOf = (entry: Seeded) => entry.event.subject ?? {};

  it('filters by component, host (id or hostname), group, version, actor, action and outcome', async () => {
    const byComponent = await readAll('component=promtail');
    expect(byComponent.length).toBe(expected((entry) => subjectOf(entry).component === 'promtail'));
    expect(byComponent.every((event) => event.component === 'promtail')).toBe(true);

    const byHostId = await readAll(`host=${hosts.db1}`);
    const byHostname = await readAll('host=db-1');
    expect(byHostId.length).toBe(expected((entry) => subjectOf(entry).hostId === hosts.db1));
    expect(byHostname.map((event) => event.id)).toEqual(byHostId.map((event) => event.id));

    // The groups come from the hosts table, read in the event's transaction.
    const prod = await readAll('group=prod');
    expect(prod.length).toBe(
      expected((entry) => [hosts.web1, hosts.db1].includes(subjectOf(entry).hostId ?? '')),
    );
    expect(prod.every((event) => event.hostGroups.includes('prod'))).toBe(true);

    const byVersion = await readAll('version=1.2.0');
    expect(byVersion.length).toBe(expected((entry) => subjectOf(entry).version === '1.2.0'));

    const byActor = await readAll('actor=bob');
    expect(byActor.length).toBe(expected((entry) => entry.event.actor.id === 'bob'));

    const failed = await readAll('outcome=failed');
    expect(failed.length).toBe(expected((entry) => subjectOf(entry).outcome === 'failed'));

    const pair = await readAll('component=node_exporter&outcome=rolled_back');
    expect(pair.length).toBe(
      expected(
        (entry) =>
          subjectOf(entry).component === 'node_exporter' && subjectOf(entry).outcome === 'rolled_back',
      ),
    );
    expect(pair.length).toBeGreaterThan(0);

    const actorAction = await readAll('actor=alice&action=api_token.created');
    expect(actorAction.map((event) => event.action)).toEqual(['api_token.created']);

    const window = await readAll('since=2026-01-01T10:00:00Z&until=2026-01-02');
    expect(window.length).toBe(
      expected((entry) => entry.at >= new Date('2026-01-01T10:00:00Z') && entry.at < new Date('2026-01-02')),
    );
    expect(window.every((event) => event.occurredAt >= '2026-01-01T10:00:00.000Z')).toBe(true);
  });

  it('pages newest first by (occurred_at, id) with no gap or repeat while new events arrive', async () => {
    const before = await readAll('component=node_exporter', 500);
    const seen: AuditEvent[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `component=node_exporter&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page: Answer<PageBody> = await api<PageBody>(`/api/audit?${query}`);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      pages += 1;
      // Events arriving meanwhile are newer than every cursor: they never shift later pages.
      await record(
        new Date(),
        job(hosts.web1, 'job.succeeded', ALICE, { component: 'node_exporter', version: '9.9.9' }),
      );
    } while (cursor !== null && pages < 100);
    expect(seen.map((event) => event.id)).toEqual(before.map((event) => event.id));
    expect(new Set(seen.map((event) => event.id)).size).toBe(seen.length);
    const keys = seen.map((event) => `${event.occurredAt} ${event.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    const after = await readAll('component=node_exporter&version=9.9.9', 500);
    expect(after.length).toBe(pages);
  });

  it('names the bad value of a filter', async () => {
    const cases: [string, number, string][] = [
      ['since=yesterday', 400, '"yesterday" is not an ISO-8601 time'],
      ['limit=0', 400, '"0" is not a whole number from 1 to 500'],
      ['limit=ten', 400, '"ten" is not a whole number'],
      ['host=no%20such', 400, '"no such" is neither a host id nor a hostname'],
      ['host=ghost-1', 404, 'no host is named "ghost-1"'],
      ['outcome=Failed!', 400, '"Failed!" is not an outcome'],
      ['since=2026-02-01&until=2026-01-01', 400, 'since must be before until'],
      ['colour=red', 400, 'colour'],
      ['cursor=nonsense', 400, 'cursor "nonsense" is not one this API returned'],
    ];
    for (const [query, status, message] of cases) {
      const answer = await api<{ error: { code: string; message: string } }>(`/api/audit?${query}`);
      expect(answer.status, query).toBe(status);
      expect(answer.body.error.message, query).toContain(message);
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit_events, naming the table', async () => {
    const db = await connectToSchema(environment.schema.target);
    try {
      for (const statement of [
        "UPDATE audit_events SET action = 'forged'",
        'DELETE FROM audit_events',
        'TRUNCATE audit_events',
      ]) {
        await expect(db.query(statement), statement).rejects.toThrow(/audit_events is append-only/);
      }
      const count = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'forged'",
      );
      expect(count.rows[0]?.n).toBe('0');
      await db.query(
        `INSERT INTO audit_events (id, actor_type, actor_id, action, target_type, target_id)
         VALUES ($1, 'system', 'test', 'test.inserted', 'test', 'x')`,
        [randomUUID()],
      );
    } finally {
      await db.end();
    }
  });

  it('answers which hosts ran a version between two dates, with the job that installed it', async () => {
    const at = (iso: string): Date => new Date(iso);
    const upgradeJob = randomUUID();
    const rolloutId = randomUUID();
    const db = await connectToSchema(environment.schema.target);
    try {
      await db.query(
        `INSERT INTO rollouts (id, component_name, environment, target_version, target_spec, selector, settings,
                               state, created_by)
         VALUES ($1, 'loki', 'prod', '1.6.0', '{}', '{}', '{}', 'completed', 'alice')`,
        [rolloutId],
      );
      await db.query(
        `INSERT INTO jobs (id, host_id, kind, component_name, target_version, sequence, assignment, signature,
                           expires_at, created_by, state, rollout_id)
         VALUES ($1, $2, 'upgrade', 'loki', '1.6.0', 1, 'x', 'k:s', now(), 'alice', 'succeeded', $3)`,
        [upgradeJob, hosts.web1, rolloutId],
      );
    } finally {
      await db.end();
    }
    const inventory = (hostId: string, version: string | null): AuditEventInput => ({
      actor: { type: 'agent', id: hostId },
      action: 'host.inventory_changed',
      targetType: 'host',
      targetId: hostId,
      subject: { component: 'loki', hostId, version },
    });
    const approval = (actor: Actor, wave: number, comment: string): AuditEventInput => ({
      actor,
      action: 'rollout.approved',
      targetType: 'rollout',
      targetId: rolloutId,
      details: { wave, comment },
      subject: { component: 'loki', version: '1.6.0' },
    });
    await record(at('2026-03-09T10:00:00Z'), approval(BOB, 1, 'canary healthy'));
    await record(at('2026-03-09T11:00:00Z'), approval(approver, 1, 'ok'));
    // web-1: 1.5.0 since January, upgraded to 1.6.0 by a job on 10 March, to 1.7.0 on 1 June.
    await record(at('2026-01-05T00:00:00Z'), inventory(hosts.web1, '1.5.0'));
    await record(
      at('2026-03-10T09:00:00Z'),
      job(
        hosts.web1,
        'job.succeeded',
        ALICE,
        { component: 'loki', version: '1.6.0', outcome: 'succeeded' },
        upgradeJob,
      ),
    );
    await record(at('2026-03-10T09:01:00Z'), inventory(hosts.web1, '1.6.0'));
    await record(
      at('2026-06-01T00:00:00Z'),
      job(hosts.web1, 'job.succeeded', ALICE, { component: 'loki', version: '1.7.0', outcome: 'succeeded' }),
    );
    // web-2: 1.6.0 since February; a failed 1.7.0 rolled back to 1.6.0 in April (same interval); removed 15 May.
    // (Before that, 1.4.0 and 1.5.0: only the last change before `since` is read, and the interval
    // in force at `since` still starts on 1 February.)
    await record(at('2025-12-01T00:00:00Z'), inventory(hosts.web2, '1.4.0'));
    await record(at('2026-01-10T00:00:00Z'), inventory(hosts.web2, '1.5.0'));
    await record(at('2026-02-01T00:00:00Z'), inventory(hosts.web2, '1.6.0'));
    await record(at('2026-02-20T00:00:00Z'), inventory(hosts.web2, '1.6.0'));
    await record(
      at('2026-04-02T00:00:00Z'),
      job(hosts.web2, 'job.failed', BOB, { component: 'loki', version: '1.7.0', outcome: 'failed' }),
    );
    await record(
      at('2026-04-02T00:00:01Z'),
      job(hosts.web2, 'job.rolled_back', BOB, {
        component: 'loki',
        version: '1.6.0',
        outcome: 'rolled_back',
      }),
    );
    await record(at('2026-05-15T00:00:00Z'), inventory(hosts.web2, null));
    // db-1: 1.6.0 only from July, outside the range.
    await record(at('2026-07-01T00:00:00Z'), inventory(hosts.db1, '1.6.0'));

    const answer = await api<{ items: Record<string, unknown>[]; truncated: boolean }>(
      '/api/history/upgrades?component=loki&version=1.6.0&since=2026-03-01&until=2026-05-31',
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.truncated).toBe(false);
    expect(answer.body.items).toEqual([
      expect.objectContaining({
        hostname: 'web-2',
        version: '1.6.0',
        installedAt: '2026-02-01T00:00:00.000Z',
        replacedAt: '2026-05-15T00:00:00.000Z',
        via: 'host.inventory_changed',
        jobId: null,
        approvers: [],
      }),
      expect.objectContaining({
        hostname: 'web-1',
        version: '1.6.0',
        installedAt: '2026-03-10T09:00:00.000Z',
        replacedAt: '2026-06-01T00:00:00.000Z',
        via: 'job.succeeded',
        jobId: upgradeJob,
        jobKind: 'upgrade',
        jobCreatedBy: 'alice',
        rolloutId,
        approvers: [
          {
            actorType: 'api_token',
            actorId: 'bob',
            actorName: null,
            at: '2026-03-09T10:00:00.000Z',
            comment: 'canary healthy',
            wave: 1,
          },
          {
            actorType: 'api_token',
            actorId: approver.id,
            actorName: 'audit-viewer',
            at: '2026-03-09T11:00:00.000Z',
            comment: 'ok',
            wave: 1,
          },
        ],
      }),
    ]);

    const everything = await api<{
      items: { hostname: string; version: string; replacedAt: string | null }[];
    }>('/api/history/upgrades?component=loki&host=web-1');
    expect(everything.body.items.map((item) => [item.version, item.replacedAt])).toEqual([
      ['1.5.0', '2026-03-10T09:00:00.000Z'],
      ['1.6.0', '2026-06-01T00:00:00.000Z'],
      ['1.7.0', null],
    ]);
    // A job or rollout event that names no subject takes it from its target.
    await record(at('2026-03-09T12:00:00Z'), {
      actor: ALICE,
      action: 'rollout.resumed',
      targetType: 'rollout',
      targetId: rolloutId,
    });
    await record(at('2026-03-09T12:00:01Z'), {
      actor: approver,
      action: 'job.cancelled',
      targetType: 'job',
      targetId: upgradeJob,
    });
    const derived = await readAll('component=loki&version=1.6.0&since=2026-03-09T12:00:00Z&until=2026-03-10');
    expect(derived.map((event) => [event.action, event.hostId, event.hostGroups, event.actorName])).toEqual([
      ['job.cancelled', hosts.web1, ['web', 'prod'], 'audit-viewer'],
      ['rollout.resumed', null, [], null],
    ]);
    // An actor can be named: a token's name, an agent's hostname.
    const byTokenName = await readAll('actor=audit-viewer&component=loki');
    expect(byTokenName.map((event) => event.action)).toEqual(['job.cancelled', 'rollout.approved']);
    const byHostname = await readAll('actor=web-2&component=loki');
    expect(byHostname.length).toBeGreaterThan(0);
    expect(byHostname.every((event) => event.actorId === hosts.web2)).toBe(true);
    // An agent's events are shown with its hostname.
    const agentEvents = await readAll('component=loki&host=web-2&action=host.inventory_changed');
    expect(new Set(agentEvents.map((event) => event.actorName))).toEqual(new Set(['web-2']));

    const missing = await api<{ error: { message: string } }>('/api/history/upgrades?version=1.6.0');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('component');
  });
});
