import { describe, expect, it } from 'vitest';
import type { NotificationView } from './notification.ts';
import { emailMessage, jsonWebhookBody, slackWebhookBody } from './notification-message.ts';

const notification: NotificationView = {
  id: 'n1',
  kind: 'upgrade_failure',
  title: 'web-1: upgrade to a<b> failed',
  text: 'health check failed & rolled back',
  componentName: 'node_exporter',
  hostname: 'web-1',
  rolloutId: null,
  jobId: 'j1',
  version: '1.8.2',
  dedupeKey: 'k',
  details: { code: 'HEALTH' },
  createdAt: '2026-11-24T12:00:00.000Z',
  deliveries: [],
};

describe('notification messages', () => {
  it('gives generic webhooks the event without delivery bookkeeping', () => {
    const body = jsonWebhookBody(notification);
    expect(body).toMatchObject({ kind: 'upgrade_failure', component: 'node_exporter', jobId: 'j1' });
    expect(body).not.toHaveProperty('deliveries');
    expect(body).not.toHaveProperty('dedupeKey');
  });

  it('gives Slack text and blocks, escaping its markup characters', () => {
    const body = slackWebhookBody(notification);
    expect(body.text).toBe('web-1: upgrade to a&lt;b&gt; failed');
    expect(JSON.stringify(body.blocks)).toContain('health check failed &amp; rolled back');
    expect(JSON.stringify(body.blocks)).toContain('*Host:* web-1');
    expect(JSON.stringify(body.blocks)).not.toContain('Rollout');
  });

  it('makes a one-line subject and a body with the facts', () => {
    const mail = emailMessage({ ...notification, title: 'two\nlines' }, '[upkeep] ');
    expect(mail.subject).toBe('[upkeep] two lines');
    expect(mail.text).toContain('Component: node_exporter\nHost: web-1\nVersion: 1.8.2\nJob: j1');
  });
});
