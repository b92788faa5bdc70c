import type { NotificationView } from './notification.ts';

/** The body of a generic JSON webhook: the notification as the API shows it, minus delivery bookkeeping. */
export function jsonWebhookBody(notification: NotificationView): Record<string, unknown> {
  return {
    id: notification.id,
    kind: notification.kind,
    title: notification.title,
    text: notification.text,
    component: notification.componentName,
    hostname: notification.hostname,
    rolloutId: notification.rolloutId,
    jobId: notification.jobId,
    version: notification.version,
    details: notification.details,
    createdAt: notification.createdAt,
  };
}

const SLACK_SPECIAL = /[&<>]/g;
const SLACK_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Slack's mrkdwn treats &, < and > as markup; everything else passes as written. */
function slackEscape(text: string): string {
  return text.replace(SLACK_SPECIAL, (char) => SLACK_ESCAPES[char] ?? char);
}

/**
 * A Slack-compatible incoming-webhook body (`text` for notifications and old clients, `blocks` for the
 * message); Mattermost and Rocket.Chat accept the same shape.
 */
export function slackWebhookBody(notification: NotificationView): { text: string; blocks: unknown[] } {
  const facts = [
    ['Kind', notification.kind],
    ['Component', notification.componentName],
    ['Host', notification.hostname],
    ['Version', notification.version],
    ['Rollout', notification.rolloutId],
  ].filter((fact): fact is [string, string] => fact[1] !== null);
  return {
    text: slackEscape(notification.title),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: notification.title.slice(0, 150) } },
      // Slack refuses a section text over 3000 characters.
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(notification.text).slice(0, 3000) } },
      ...(facts.length === 0
        ? []
        : [
            {
              type: 'section',
              fields: facts.map(([name, value]) => ({
                type: 'mrkdwn',
                text: `*${name}:* ${slackEscape(value)}`,
              })),
            },
          ]),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `upkeep · ${notification.createdAt}` }] },
    ],
  };
}

/** The plain-text e-mail: the title as subject, the text and the facts as body. */
export function emailMessage(
  notification: NotificationView,
  subjectPrefix: string,
): { subject: string; text: string } {
  const facts = [
    ['Kind', notification.kind],
    ['Component', notification.componentName],
    ['Host', notification.hostname],
    ['Version', notification.version],
    ['Rollout', notification.rolloutId],
    ['Job', notification.jobId],
    ['At', notification.createdAt],
  ].filter((fact): fact is [string, string] => fact[1] !== null);
  return {
    subject: `${subjectPrefix}${notification.title}`.replace(/[\r\n]+/g, ' '),
    text: `${notification.text}\n\n${facts.map(([name, value]) => `${name}: ${value}`).join('\n')}\n`,
  };
}
