import { UpkeepError, redactUrl } from '@upkeep/errors';
import { NOTIFICATION_EVENTS, type PolicyConfig, type WebhookFormat } from '@upkeep/policy';
import { SecretValue } from '@upkeep/sources';

export type NotificationChannel =
  | { readonly type: 'log'; readonly name: 'log' }
  | {
      readonly type: 'webhook';
      readonly name: string;
      readonly format: WebhookFormat;
      /** The whole URL is treated as a secret: chat webhooks carry their token in the path. */
      readonly url: SecretValue;
      readonly timeoutMs: number;
    }
  | {
      readonly type: 'email';
      readonly name: 'email';
      readonly smtpUrl: SecretValue;
      readonly from: string;
      readonly to: readonly string[];
      readonly subjectPrefix: string;
      readonly timeoutMs: number;
    };

/** versions.yaml's `notifications` block joined with the control plane's environment, resolved once at start-up. */
export interface NotificationSettings {
  readonly enabled: boolean;
  /** Only these kinds are delivered (default: every kind). */
  readonly notifyOn: readonly string[];
  readonly channels: readonly NotificationChannel[];
  /** Channels named in the file that cannot work here, with the reason (logged at start-up, not fatal). */
  readonly unavailable: readonly { readonly channel: string; readonly reason: string }[];
  /** Delivery attempts per channel before a delivery is marked failed. */
  readonly maxAttempts: number;
  /** First retry delay; doubled on every further attempt. */
  readonly backoffMs: number;
}

export interface NotificationEnvironment {
  readonly smtpUrl: string | undefined;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly timeoutMs: number;
}

/**
 * Resolves the channels: webhook URLs from the file or from the variable `url_env` names (a missing
 * variable stops start-up naming it), e-mail from UPKEEP_SMTP_URL plus the file's recipients.
 */
export function notificationSettingsFrom(
  policy: PolicyConfig | null,
  environment: NotificationEnvironment,
  env: Readonly<Record<string, string | undefined>>,
): NotificationSettings {
  const block = policy?.upgrade_policies.notifications;
  const base = {
    maxAttempts: environment.maxAttempts,
    backoffMs: environment.backoffMs,
    notifyOn: block?.notify_on ?? [...NOTIFICATION_EVENTS],
  };
  if (block === undefined || block.enabled === false) {
    return { ...base, enabled: false, channels: [], unavailable: [] };
  }
  const channels: NotificationChannel[] = [];
  const unavailable: { channel: string; reason: string }[] = [];
  for (const name of new Set(block.channels ?? ['log'])) {
    if (name === 'log') {
      channels.push({ type: 'log', name: 'log' });
      continue;
    }
    if (name === 'email') {
      const to = block.email?.to ?? [];
      if (environment.smtpUrl === undefined) {
        unavailable.push({ channel: name, reason: 'UPKEEP_SMTP_URL is not set' });
      } else if (to.length === 0) {
        unavailable.push({ channel: name, reason: 'notifications.email.to names no recipient' });
      } else {
        channels.push({
          type: 'email',
          name: 'email',
          smtpUrl: new SecretValue(environment.smtpUrl),
          from: block.email?.from ?? 'upkeep@localhost',
          to,
          subjectPrefix: block.email?.subject_prefix ?? '[upkeep] ',
          timeoutMs: environment.timeoutMs,
        });
      }
      continue;
    }
    const webhook = block.webhooks?.[name];
    // The schema already refused channel names that are not webhooks.
    if (webhook === undefined) continue;
    let url = webhook.url;
    if (webhook.url_env !== undefined) {
      url = env[webhook.url_env]?.trim();
      if (url === undefined || url === '') {
        throw new UpkeepError(
          'CONFIG_INVALID',
          `${webhook.url_env} is not set, but versions.yaml notifications.webhooks.${name}.url_env names it`,
          {
            details: { variable: webhook.url_env },
            hint: `set ${webhook.url_env} to the webhook URL of channel ${name}, or remove the channel`,
          },
        );
      }
      if (!/^https?:\/\//.test(url) || !URL.canParse(url)) {
        throw new UpkeepError(
          'CONFIG_INVALID',
          `${webhook.url_env} is not an http(s) URL (${redactUrl(url)})`,
          { details: { variable: webhook.url_env } },
        );
      }
    }
    if (url === undefined) continue;
    channels.push({
      type: 'webhook',
      name,
      format: webhook.format ?? 'json',
      url: new SecretValue(url),
      timeoutMs:
        webhook.timeout_seconds === undefined ? environment.timeoutMs : webhook.timeout_seconds * 1000,
    });
  }
  return { ...base, enabled: true, channels, unavailable };
}
