import { z } from 'zod';
import { httpUrlText, integer, list, namedMap, section, text } from './schema-fields.ts';

// The `upgrade_policies.notifications` block: which events are sent, and where. Kept apart from
// policy-config.schema.ts so the rollout settings and this block can grow without touching each other.

export const NOTIFICATION_EVENTS = [
  'upgrade_available',
  'upgrade_started',
  'upgrade_success',
  'upgrade_failure',
  'upgrade_refused',
  'approval_required',
  'rollback_executed',
  'security_advisory',
  'rollout_paused',
  'rollout_completed',
  'rollout_aborted',
] as const;

/** Channel names with a meaning of their own; any other name in `channels` must be a key of `webhooks`. */
export const BUILTIN_CHANNELS = ['log', 'email'] as const;
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const webhookChannelSchema = section({
  // `json`: the event as a JSON object; `slack`: `{ text, blocks }` (Slack, Mattermost, Rocket.Chat).
  format: z.enum(WEBHOOK_FORMATS).optional(),
  url: httpUrlText().optional(),
  // The name of an environment variable of the control plane holding the URL, so its token stays out of the file.
  url_env: z
    .string()
    .regex(ENV_NAME, { message: 'must be an environment variable name such as UPKEEP_SLACK_WEBHOOK_URL' })
    .optional(),
  timeout_seconds: integer(1, 300).optional(),
}).superRefine((webhook, ctx) => {
  if ((webhook.url === undefined) === (webhook.url_env === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      input: webhook,
      message: 'set exactly one of url and url_env (url_env names an environment variable holding the URL)',
    });
  }
});

export const emailChannelSchema = section({
  from: text().optional(),
  to: list(text()).optional(),
  subject_prefix: z.string().optional(),
});

export const notificationsSchema = section({
  enabled: z.boolean().optional(),
  channels: list(text()).optional(),
  notify_on: list(z.enum(NOTIFICATION_EVENTS)).optional(),
  webhooks: namedMap(webhookChannelSchema).optional(),
  email: emailChannelSchema.optional(),
}).superRefine((block, ctx) => {
  const webhooks = Object.keys(block.webhooks ?? {});
  for (const name of webhooks) {
    if ((BUILTIN_CHANNELS as readonly string[]).includes(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['webhooks', name],
        input: name,
        message: `"${name}" is a built-in channel; give the webhook another name`,
      });
    }
  }
  (block.channels ?? []).forEach((channel, index) => {
    if (!(BUILTIN_CHANNELS as readonly string[]).includes(channel) && !webhooks.includes(channel)) {
      ctx.addIssue({
        code: 'custom',
        path: ['channels', index],
        input: channel,
        message: `"${channel}" is neither log, email nor a webhook defined under notifications.webhooks`,
      });
    }
  });
});

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type WebhookChannelConfig = z.infer<typeof webhookChannelSchema>;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
