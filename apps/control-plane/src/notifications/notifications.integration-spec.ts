import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { runUpkeep } from '../../../../test/support/run-process.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { JobRepository } from '../jobs/job.repository.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { eventually } from '../testing/test-agent.ts';
import { NOTIFIER, type NotificationEvent, type Notifier } from './notification-event.ts';
import type { NotificationView } from './notification.ts';

interface Received {
  readonly path: string;
  readonly body: unknown;
  readonly at: number;
}

/** A webhook receiver on a free port; `answer` picks the status of the n-th request (1-based). */
async function receiver(
  answer: (n: number) => number,
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        at: Date.now(),
        path: request.url ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      const status = answer(received.length);
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(status < 300 ? 'ok' : `boom ${'x'.repeat(64 * 1024)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

const SLACK_TOKEN = 'aB3dE5fG7hJ9kL1mN3pQ5rS7';
const QUERY_SECRET = 'sekret-query-value';
const SMTP_PASSWORD = 'smtp-pa55word';

describe('notifications', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let viewerToken: string;
  const logLines: string[] = [];
  const mails: { from: string; to: string[]; data: string }[] = [];
  let smtp: SMTPServer;
  let json: Awaited<ReturnType<typeof receiver>>;
  let slack: Awaited<ReturnType<typeof receiver>>;
  let flaky: Awaited<ReturnType<typeof receiver>>;
  let broken: Awaited<ReturnType<typeof receiver>>;

  const notifier = (): Notifier => controlPlane.app.get<Notifier>(NOTIFIER);
  const enqueue = async (event: NotificationEvent): Promise<void> => {
    await controlPlane.prisma.$transaction(async (tx) => {
      await notifier().enqueue(tx, event, new Date());
    });
  };
  const list = async (query = ''): Promise<NotificationView[]> => {
    const response = await fetch(`${controlPlane.httpUrl}/api/notifications${query}`, {
      headers: { authorization: `Bearer ${viewerToken}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: NotificationView[] }).items;
  };
  const settled = async (dedupeKey: string): Promise<NotificationView> =>
    eventually(
      async () => {
        const found = (await list()).find((item) => item.dedupeKey === dedupeKey);
        return found !== undefined &&
          found.deliveries.every((delivery) => delivery.state === 'delivered' || delivery.state === 'failed')
          ? found
          : undefined;
      },
      `deliveries of ${dedupeKey} to settle`,
      60_000,
    );

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        callback(auth.password === SMTP_PASSWORD ? null : new Error('bad password'), { user: auth.username });
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            data: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    json = await receiver(() => 200);
    slack = await receiver(() => 200);
    flaky = await receiver((n) => (n <= 2 ? 503 : 200));
    broken = await receiver(() => 500);

    environment = await createTestEnvironment({
      extraEnv: {
        UPKEEP_SMTP_URL: `smtp://upkeep:${SMTP_PASSWORD}@127.0.0.1:${smtpPort}`,
        UPKEEP_NOTIFY_MAX_ATTEMPTS: '3',
        UPKEEP_NOTIFY_BACKOFF_MS: '100',
        UPKEEP_NOTIFY_TIMEOUT_MS: '5000',
        TEST_BROKEN_HOOK: `${broken.url}/services/T0001/B0002/${SLACK_TOKEN}?token=${QUERY_SECRET}`,
      },
    });
    const policyFile = join(environment.dir, 'versions.yaml');
    await writeFile(
      policyFile,
      JSON.stringify({
        components: {},
        upgrade_policies: {
          notifications: {
            enabled: true,
            channels: ['log', 'email', 'json', 'chat', 'flaky', 'broken'],
            notify_on: ['upgrade_failure', 'rollback_executed', 'approval_required'],
            webhooks: {
              json: { url: `${json.url}/upkeep` },
              chat: { format: 'slack', url: `${slack.url}/slack` },
              flaky: { url: `${flaky.url}/flaky` },
              broken: { url_env: 'TEST_BROKEN_HOOK', timeout_seconds: 5 },
            },
            email: { from: 'upkeep@example.test', to: ['ops@example.test', 'oncall@example.test'] },
          },
        },
      }),
    );
    environment.env['UPKEEP_POLICY_FILE'] = policyFile;
    controlPlane = await environment.start({
      logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    });
    viewerToken = (
      await controlPlane.app
        .get(ApiTokenService)
        .create('viewer-token', 'viewer', null, { type: 'system', id: 'test' })
    ).token;
  }, 120_000);

  afterAll(async () => {
    await environment.cleanup();
    for (const server of [json.server, slack.server, flaky.server, broken.server]) server.close();
    await new Promise<void>((resolve) => {
      smtp.close(resolve);
    });
  });

  it('delivers to every channel, retries a flaky webhook and marks an always-failing one failed, redacted', async () => {
    await enqueue({
      kind: 'approval_required',
      title: 'node_exporter 2.0.0 needs approval',
      text: 'Wave canary of rollout r1 waits for an approver.',
      componentName: 'node_exporter',
      version: '2.0.0',
      rolloutId: 'r1',
      dedupeKey: 'test:approval:r1',
      details: { wave: 0 },
    });
    const notification = await settled('test:approval:r1');
    const byChannel = Object.fromEntries(
      notification.deliveries.map((delivery) => [delivery.channel, delivery]),
    );
    expect(Object.keys(byChannel).sort()).toEqual(['broken', 'chat', 'email', 'flaky', 'json', 'log']);
    for (const channel of ['log', 'email', 'json', 'chat']) {
      expect(byChannel[channel]).toMatchObject({ state: 'delivered', attempts: 1, lastError: null });
    }

    expect(json.received).toEqual([
      {
        at: expect.any(Number) as unknown,
        path: '/upkeep',
        body: expect.objectContaining({
          kind: 'approval_required',
          title: 'node_exporter 2.0.0 needs approval',
          component: 'node_exporter',
          version: '2.0.0',
          rolloutId: 'r1',
          details: { wave: 0 },
        }) as unknown,
      },
    ]);
    const slackBody = slack.received[0]?.body as { text: string; blocks: { type: string }[] };
    expect(slackBody.text).toBe('node_exporter 2.0.0 needs approval');
    expect(slackBody.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'context']);

    // Failing twice, then answering 200: three requests, delivered on the third attempt.
    expect(flaky.received).toHaveLength(3);
    // Exponential backoff from 100 ms: at least 100 ms, then at least 200 ms between attempts.
    const [first, second, third] = flaky.received.map((entry) => entry.at);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(100);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(200);
    expect(byChannel['flaky']).toMatchObject({ state: 'delivered', attempts: 3 });

    // Always 500: every attempt is made, then the delivery is failed with the (bounded, redacted) error.
    expect(broken.received).toHaveLength(3);
    expect(broken.received[0]?.path).toBe(`/services/T0001/B0002/${SLACK_TOKEN}?token=${QUERY_SECRET}`);
    const failed = byChannel['broken'];
    expect(failed).toMatchObject({ state: 'failed', attempts: 3, deliveredAt: null });
    expect(failed?.lastError).toMatch(/^webhook answered 500: boom x+$/);
    expect(failed?.lastError?.length).toBeLessThan(300);
    const logs = logLines.join('');
    expect(logs).toContain('notification delivery failed; no attempts left');
    expect(logs).toContain('node_exporter 2.0.0 needs approval');
    for (const secret of [SLACK_TOKEN, QUERY_SECRET, SMTP_PASSWORD]) expect(logs).not.toContain(secret);

    const mail = await eventually(async () => Promise.resolve(mails[0]), 'the e-mail', 10_000);
    expect(mail.from).toBe('upkeep@example.test');
    expect(mail.to).toEqual(['ops@example.test', 'oncall@example.test']);
    expect(mail.data).toContain('Subject: [upkeep] node_exporter 2.0.0 needs approval');
    expect(mail.data).toContain('Wave canary of rollout r1 waits for an approver.');
  }, 90_000);

  it('enqueues idempotently: the same dedupe key twice is one notification and one delivery each', async () => {
    const event: NotificationEvent = {
      kind: 'upgrade_failure',
      title: 'web-1: upgrade failed',
      text: 'download of https://mirror.test/a.tar.gz?token=abc123secret failed',
      hostname: 'web-1',
      dedupeKey: 'test:idempotent',
    };
    const before = json.received.length;
    await enqueue(event);
    await enqueue(event);
    await settled('test:idempotent');
    expect((await list()).filter((item) => item.dedupeKey === 'test:idempotent')).toHaveLength(1);
    expect(await controlPlane.prisma.notification.count({ where: { dedupeKey: 'test:idempotent' } })).toBe(1);
    expect(json.received.length - before).toBe(1);
    expect((json.received.at(-1)?.body as { text: string }).text).toBe(
      'download of https://mirror.test/a.tar.gz?token=REDACTED failed',
    );
  }, 60_000);

  it('stores kinds outside notify_on without delivering them', async () => {
    const before = json.received.length;
    await enqueue({ kind: 'upgrade_success', title: 'ok', text: 'ok', dedupeKey: 'test:filtered' });
    // Enqueued after the filtered one: once it arrived, the filtered one would have too.
    await enqueue({ kind: 'upgrade_failure', title: 'marker', text: 'marker', dedupeKey: 'test:marker' });
    await settled('test:marker');
    const filtered = (await list('?kind=upgrade_success')).find((item) => item.dedupeKey === 'test:filtered');
    expect(filtered?.deliveries).toEqual([]);
    expect(json.received.slice(before).map((entry) => (entry.body as { title: string }).title)).toEqual([
      'marker',
    ]);
    expect(
      await controlPlane.prisma.outboxMessage.count({ where: { queue: 'notifications' } }),
    ).toBeGreaterThan(0);
  }, 60_000);

  it('notifies upgrade_failure and rollback_executed in the transaction of a job result', async () => {
    const hostId = randomUUID();
    const now = new Date();
    await controlPlane.prisma.host.create({
      data: {
        id: hostId,
        hostname: 'db-7',
        os: 'linux',
        arch: 'amd64',
        agentVersion: '1.0.0',
        enrolledAt: now,
      },
    });
    const jobs = controlPlane.app.get(JobRepository);
    const jobId = randomUUID();
    await jobs.create(
      jobId,
      {
        hostId,
        kind: 'upgrade',
        component: 'postgres_exporter',
        targetVersion: '0.16.0',
        artifact: { url: 'https://example.test/a.tar.gz', sha256: 'a'.repeat(64) },
        ttlMs: 60_000,
      },
      { type: 'system', id: 'test' },
      () => ({ payload: Buffer.from('{}'), signature: Buffer.alloc(64), keyId: 'k' }),
    );
    const repeat = await jobs.recordResult(
      hostId,
      jobId,
      'failed',
      'health check failed; rolled back to 0.15.0',
      { rolled_back: true, code: 'HEALTH_CHECK_FAILED' },
      now,
    );
    expect(repeat).toBe(false);
    const failure = await settled(`job:${jobId}:upgrade_failure`);
    expect(failure).toMatchObject({
      kind: 'upgrade_failure',
      hostname: 'db-7',
      componentName: 'postgres_exporter',
      version: '0.16.0',
      jobId,
    });
    const rollback = await settled(`job:${jobId}:rollback_executed`);
    expect(rollback.title).toBe(
      'db-7: postgres_exporter rolled back after a failed upgrade to postgres_exporter 0.16.0',
    );
    // A repeated result changes nothing, so notifies nothing again.
    expect(await jobs.recordResult(hostId, jobId, 'failed', 'again', { rolled_back: true }, now)).toBe(true);
    expect(await controlPlane.prisma.notification.count({ where: { jobId } })).toBe(2);
  }, 60_000);

  it('lists notifications with the CLI, as JSON and as a table', async () => {
    const tokenFile = join(environment.dir, 'viewer.token');
    await writeFile(tokenFile, `${viewerToken}\n`, { mode: 0o600 });
    await chmod(tokenFile, 0o600);
    const env = { ...process.env, XDG_CONFIG_HOME: join(environment.dir, 'cli-config'), UPKEEP_DEBUG: '0' };
    const login = await runUpkeep(['login', '--server', controlPlane.httpUrl, '--token-file', tokenFile], {
      env,
    });
    expect(login.code).toBe(0);
    const listed = await runUpkeep(['notifications', 'list', '--kind', 'approval_required', '--json'], {
      env,
    });
    expect(listed.stderr).toBe('');
    const items = JSON.parse(listed.stdout) as NotificationView[];
    expect(items.map((item) => item.dedupeKey)).toEqual(['test:approval:r1']);
    expect(items[0]?.deliveries.find((delivery) => delivery.channel === 'broken')?.state).toBe('failed');
    const table = await runUpkeep(['notifications', 'list', '--kind', 'approval_required'], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/KIND +TITLE +DELIVERIES/);
    expect(table.stdout).toContain('broken:failed(3)');
    expect(table.stdout).toContain('flaky:delivered(3)');
    const bad = await runUpkeep(['notifications', 'list', '--kind', 'nope'], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('is not a notification kind');
  }, 90_000);
});
