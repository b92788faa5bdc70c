// The web console end to end: a real control plane (own schema and queue prefix)
// serving the built console, real agent sessions, Debian's chromium driven by
// playwright-core. Login trades the token for an HttpOnly session cookie. A viewer is refused an approval by the server (403 naming the
// rule, shown in the page); an approver approves through the UI and watches the
// rollout complete live over the event stream; an operator pauses, resumes and
// aborts one from its page, and submits a draft from its page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, type Browser } from '../support/console/browser.ts';
import {
  startConsoleFixtureProcess,
  type ConsoleFixtureProcess,
  type Role,
} from '../support/console/console-fixture-process.ts';

interface RolloutView {
  id: string;
  state: string;
  risk: string | null;
  createdByName: string | null;
  approvals: { actor: string; actorName: string | null; decision: string; comment: string }[];
  waves: { hosts: { hostname: string; state: string }[] }[];
}

const attributes = async (page: Page, selector: string, name: string): Promise<(string | null)[]> =>
  Promise.all((await page.locator(selector).all()).map((element) => element.getAttribute(name)));

const rollout = (reply: { body: unknown }): RolloutView => reply.body as RolloutView;

describe('web console', () => {
  let fixture: ConsoleFixtureProcess | undefined;
  let browser: Browser | undefined;
  const the = (): ConsoleFixtureProcess => {
    if (fixture === undefined) throw new Error('the console fixture did not start');
    return fixture;
  };

  beforeAll(async () => {
    fixture = await startConsoleFixtureProcess({
      hosts: [
        { hostname: 'canary-1', groups: ['canary'], env: 'staging', version: '1.7.0' },
        { hostname: 'web-1', groups: ['web'], env: 'staging', version: '1.7.0' },
        { hostname: 'web-2', groups: ['web'], env: 'staging', version: '1.7.0' },
        { hostname: 'db-1', groups: ['db'], env: 'prod', version: '1.7.0' },
        { hostname: 'batch-1', groups: ['batch'], env: 'staging', version: '1.7.0' },
      ],
      jobDurationMs: 500,
    });
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await fixture?.stop();
  }, 120_000);

  const logIn = async (role: Role, path = '/fleet'): Promise<Page> => {
    if (browser === undefined) throw new Error('no browser');
    // One browser profile for every test: the previous login's session cookie must not carry over.
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${the().url}${path}`);
    await page.fill('#token', the().tokens[role]);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    return page;
  };

  /** Everything the page's scripts can read from web storage (an expression: the tests have no DOM types). */
  const webStorage = (page: Page): Promise<string> =>
    page.evaluate<string>('JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])');

  it('serves the console at any page path and leaves the API alone', async () => {
    const page = await fetch(`${the().url}/rollouts/some-id`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root"></div>');
    const api = await fetch(`${the().url}/api/nope`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await fetch(`${the().url}/assets/missing.js`)).status).toBe(404);
  });

  it('logs in with a token (session cookie, nothing in web storage), shows who is logged in and the fleet by group with its drift', async () => {
    const page = await logIn('viewer');
    expect(await page.textContent('[data-testid=who]')).toContain('viewer-vera');
    expect(await page.textContent('[data-testid=who]')).toContain('viewer');
    await page.waitForSelector('[data-group=web] [data-host=web-2]');
    const groups = await attributes(page, '[data-group]', 'data-group');
    expect(groups).toEqual(['batch', 'canary', 'db', 'web']);
    // staging resolves to 1.8.0, so 1.7.0 there is off policy; prod pins 1.7.0, which has an advisory.
    const web = await page.textContent('[data-host=web-1]');
    expect(web).toContain('off approved version');
    expect(web).toContain('known advisory');
    const db = await page.textContent('[data-host=db-1]');
    expect(db).not.toContain('off approved version');
    expect(db).toContain('known advisory');
    await page.fill('input[type=search]', 'canary');
    await page.waitForSelector('[data-host=web-1]', { state: 'detached' });
    expect(await page.locator('[data-host]').count()).toBe(1);
    // The page keeps no token anywhere scripts can read; the HttpOnly cookie keeps the session.
    const stored = await webStorage(page);
    expect(stored).not.toContain(the().tokens.viewer);
    expect(stored).not.toContain('upk_');
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    const cookies = await browser?.context.cookies(the().url);
    expect(cookies?.map((cookie) => [cookie.name, cookie.httpOnly, cookie.sameSite])).toEqual([
      ['upkeep_session', true, 'Strict'],
    ]);
    await page.reload();
    await page.waitForSelector('[data-testid=who]');
    // Log out ends the session on the server: a reload stays on the login page.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForSelector('#token');
    await page.reload();
    await page.waitForSelector('#token');
    expect(await page.locator('[data-testid=who]').count()).toBe(0);
    expect(await page.locator('[role=alert]').count()).toBe(0);
    await page.close();
  });

  it('refuses a viewer the approval with the reason; an approver approves and sees it complete live', async () => {
    const created = await the().api('operator', 'POST', '/api/rollouts', {
      component: 'node_exporter',
      environment: 'staging',
      target: { version: '1.8.0' },
      selector: { groups: ['canary', 'web'] },
      waves: [
        { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' },
        { name: 'web', size: '100%', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1' },
      ],
      onFailure: 'pause',
      requiredApprovals: 1,
    });
    expect(created.status).toBe(201);
    const id = rollout(created).id;
    expect(rollout(created).state).toBe('awaiting_approval');

    const frozenRisk = rollout(created).risk;
    expect(frozenRisk).not.toBeNull();
    expect(rollout(created).createdByName).toBe('operator-olga');
    const viewer = await logIn('viewer', '/approvals');
    // The approvals page shows the plan frozen on the rollout: it never plans again.
    const replans: string[] = [];
    viewer.on('request', (request) => {
      if (request.url().includes('/api/rollouts/plan')) replans.push(request.url());
    });
    const card = viewer.locator(`[data-rollout="${id}"]`);
    await card.waitFor();
    expect(await card.locator('[data-testid=created-by]').textContent()).toContain(
      'created by operator-olga',
    );
    expect(await card.locator('[data-testid=risk] [data-risk]').getAttribute('data-risk')).toBe(frozenRisk);
    expect(await card.locator('[data-host=web-1]').textContent()).toContain('1.7.0');
    await card.locator('textarea').fill('looks fine to me');
    await card.getByRole('button', { name: 'Approve' }).click();
    const refusal = card.getByRole('alert');
    await refusal.waitFor();
    expect(replans).toEqual([]);
    expect(await refusal.textContent()).toMatch(/^403 FORBIDDEN: .*approver.*viewer-vera/);
    const still = rollout(await the().api('viewer', 'GET', `/api/rollouts/${id}`));
    expect(still.state).toBe('awaiting_approval');
    expect(still.approvals).toEqual([]);
    await viewer.close();

    const approver = await logIn('approver', `/rollouts/${id}`);
    await approver.waitForSelector('[data-stream=live]');
    await approver.waitForSelector('[data-testid=rollout-state] [data-state=awaiting_approval]');
    await approver.fill('textarea[aria-label=Comment]', 'canary first, go');
    await approver.getByRole('button', { name: 'Approve' }).click();
    // Every change from here on reaches the page through GET /api/rollouts/:id/events.
    await approver.waitForSelector('[data-testid=rollout-state] [data-state=running]', { timeout: 60_000 });
    await approver.waitForSelector('[data-testid=rollout-state] [data-state=completed]', {
      timeout: 180_000,
    });
    const hostStates = await attributes(approver, '[data-wave] [data-host] [data-state]', 'data-state');
    expect(hostStates).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await approver.textContent('.approvals')).toContain('canary first, go');
    expect(await approver.textContent('.approvals')).toContain('by approver-abe');
    await approver.close();

    const done = rollout(await the().api('viewer', 'GET', `/api/rollouts/${id}`));
    expect(done.state).toBe('completed');
    expect(done.approvals).toMatchObject([{ decision: 'approve', comment: 'canary first, go' }]);
    // The audit trail in the History page, filtered as the API filters, names the approver.
    const history = await logIn('viewer', '/history');
    await history.fill('input[name=action]', 'rollout.approved');
    await history.getByRole('button', { name: 'Filter' }).click();
    const approved = history.locator('tr[data-action="rollout.approved"]');
    await approved.first().waitFor();
    expect(await approved.count()).toBe(1);
    expect(await approved.textContent()).toContain('approver-abe');
    await history.close();
  });
  it('lets an operator pause, resume and abort a running rollout from its page, live', async () => {
    const created = await the().api('operator', 'POST', '/api/rollouts', {
      component: 'node_exporter',
      environment: 'staging',
      target: { version: '1.8.0' },
      selector: { groups: ['batch'] },
      // A long bake keeps the rollout running while the buttons are tried.
      waves: [{ name: 'batch', size: '1', maxParallel: 1, bakeSeconds: 600, failureThreshold: '1' }],
    });
    expect(created.status).toBe(201);
    const id = rollout(created).id;
    // A minor upgrade needs one approval by the default policy; this test is about the controls.
    expect(
      (await the().api('approver', 'POST', `/api/rollouts/${id}/approve`, { comment: 'go' })).status,
    ).toBe(200);
    const operator = await logIn('operator', `/rollouts/${id}`);
    await operator.waitForSelector('[data-stream=live]');
    const state = (value: string) =>
      operator.waitForSelector(`[data-testid=rollout-state] [data-state=${value}]`, { timeout: 90_000 });
    await state('running');
    await operator.getByRole('button', { name: 'Pause' }).click();
    await state('paused');
    await operator.getByRole('button', { name: 'Resume' }).click();
    await state('running');
    await operator.getByRole('button', { name: 'Abort' }).click();
    await state('aborted');
    expect(await operator.getByRole('button', { name: 'Pause' }).isDisabled()).toBe(true);
    await operator.close();
    const audit = (await the().api('viewer', 'GET', `/api/audit?action=rollout.paused`)).body as {
      items: { targetId: string }[];
    };
    expect(audit.items.map((event) => event.targetId)).toContain(id);
  });

  it('lets an operator submit a draft from its page; it then awaits approval', async () => {
    const created = await the().api('operator', 'POST', '/api/rollouts', {
      component: 'node_exporter',
      environment: 'staging',
      target: { version: '1.8.0' },
      selector: { groups: ['batch'] },
      waves: [{ name: 'batch', size: '1', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
      // Asked for before the start whatever the hosts' versions are by now.
      requiredApprovals: 1,
      draft: true,
    });
    expect(created.status).toBe(201);
    const id = rollout(created).id;
    expect(rollout(created).state).toBe('draft');
    const operator = await logIn('operator', `/rollouts/${id}`);
    await operator.waitForSelector('[data-testid=rollout-state] [data-state=draft]');
    expect(await operator.getByRole('button', { name: 'Pause' }).isDisabled()).toBe(true);
    await operator.getByRole('button', { name: 'Submit' }).click();
    await operator.waitForSelector('[data-testid=rollout-state] [data-state=awaiting_approval]');
    expect(await operator.getByRole('button', { name: 'Submit' }).count()).toBe(0);
    await operator.close();
    expect((await the().api('operator', 'POST', `/api/rollouts/${id}/abort`, {})).status).toBe(200);
  });
});
