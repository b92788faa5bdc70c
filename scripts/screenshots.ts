/**
 * `pnpm -s screenshots`: docs/screenshots/<page>.png of every console page, taken
 * in headless chromium from a seeded control plane (the console fixture: real
 * control plane, real agent sessions, node_exporter releases and an advisory from a
 * local upstream). Seeds a rolled-back upgrade, and rollouts when the control plane
 * has the rollout API: one completed through an approval, one waiting for approval.
 * Needs Postgres and Redis (as the tests do) and /usr/bin/chromium.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/support/console/browser.ts';
import {
  startConsoleFixtureProcess,
  type ConsoleFixtureProcess,
} from '../test/support/console/console-fixture-process.ts';
import { eventually } from '../test/support/eventually.ts';
import { REPO_ROOT } from '../test/support/run-process.ts';

const OUT = join(REPO_ROOT, 'docs/screenshots');

interface Rollout {
  readonly id: string;
  readonly state: string;
}

const rolloutBody = (groups: string[]) => ({
  component: 'node_exporter',
  environment: 'staging',
  target: { version: '1.8.0' },
  selector: { groups },
  waves: [
    { name: 'first', size: '1', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' },
    { name: 'rest', size: '100%', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1' },
  ],
  onFailure: 'pause',
  requiredApprovals: 1,
});

/** Seeds what the pages show; returns the rollout to show on the rollouts page, if any. */
async function seed(fixture: ConsoleFixtureProcess): Promise<string | undefined> {
  const job = await fixture.api('operator', 'POST', '/api/jobs', {
    hostId: fixture.hostIds['legacy-1'],
    kind: 'upgrade',
    component: 'node_exporter',
    targetVersion: '1.8.0',
  });
  if (job.status !== 201)
    throw new Error(`seeding the rolled-back job: ${job.status} ${JSON.stringify(job.body)}`);
  const done = await fixture.api('operator', 'POST', '/api/rollouts', rolloutBody(['canary', 'web']));
  if (done.status !== 201) {
    process.stderr.write(`screenshots: no rollouts seeded (POST /api/rollouts answered ${done.status})\n`);
    return undefined;
  }
  const id = (done.body as Rollout).id;
  await fixture.api('approver', 'POST', `/api/rollouts/${id}/approve`, { comment: 'canary looks healthy' });
  await eventually(
    async () => {
      const current = (await fixture.api('viewer', 'GET', `/api/rollouts/${id}`)).body as Rollout;
      return ['completed', 'failed', 'aborted', 'paused'].includes(current.state) ? current : undefined;
    },
    'the seeded rollout to finish',
    120_000,
  );
  await fixture.api('operator', 'POST', '/api/rollouts', {
    ...rolloutBody(['db']),
    environment: 'prod',
    target: { version: '1.8.0' },
  });
  return id;
}

async function shoot(page: Page, origin: string, name: string, path: string, ready: string): Promise<void> {
  // A full load: the HttpOnly session cookie keeps the login.
  await page.goto(`${origin}${path}`);
  // Each ready selector appears only once the page's data is in (the rollout page's
  // event stream never goes idle, so network idleness cannot be the signal).
  for (const selector of ready.split(' && ')) await page.waitForSelector(selector, { timeout: 60_000 });
  // The history page is as long as the trail: its first screenful says enough.
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: name !== 'history' });
  process.stdout.write(`docs/screenshots/${name}.png\n`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const fixture = await startConsoleFixtureProcess({
    hosts: [
      { hostname: 'canary-1', groups: ['canary'], env: 'staging', version: '1.7.0' },
      { hostname: 'web-1', groups: ['web'], env: 'staging', version: '1.7.0' },
      { hostname: 'web-2', groups: ['web'], env: 'staging', version: '1.7.0' },
      { hostname: 'db-1', groups: ['db'], env: 'prod', version: '1.7.0' },
      { hostname: 'db-2', groups: ['db'], env: 'prod', version: '1.6.0' },
      {
        hostname: 'legacy-1',
        groups: ['legacy'],
        env: 'staging',
        version: '1.7.0',
        behaviour: 'fail-and-roll-back',
      },
    ],
    jobDurationMs: 300,
  });
  const browser = await launchBrowser();
  try {
    const rolloutId = await seed(fixture);
    const page = await browser.context.newPage();
    await page.goto(`${fixture.url}/login`);
    await page.waitForSelector('#token');
    await page.fill('#token', fixture.tokens.approver);
    await page.screenshot({ path: join(OUT, 'login.png') });
    process.stdout.write('docs/screenshots/login.png\n');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    await shoot(page, fixture.url, 'fleet', '/fleet', '[data-host=legacy-1]');
    await shoot(page, fixture.url, 'components', '/components/node_exporter', '[data-environment=prod]');
    await shoot(
      page,
      fixture.url,
      'approvals',
      '/approvals',
      rolloutId === undefined ? '.error, p.muted' : '[data-rollout] .plan-hosts',
    );
    await shoot(
      page,
      fixture.url,
      'rollouts',
      rolloutId === undefined ? '/rollouts' : `/rollouts/${rolloutId}`,
      rolloutId === undefined ? 'table' : '[data-wave] && [data-stream=live]',
    );
    await shoot(page, fixture.url, 'history', '/history', '[data-action]');
  } finally {
    await browser.close();
    await fixture.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `screenshots: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
