import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { loadPolicyConfig } from '@upkeep/policy';
import { notificationSettingsFrom } from './notification-settings.ts';

const ENVIRONMENT = { smtpUrl: undefined, maxAttempts: 5, backoffMs: 2000, timeoutMs: 10_000 };

function policyWith(notifications: unknown) {
  return loadPolicyConfig(JSON.stringify({ components: {}, upgrade_policies: { notifications } }), 'v.yaml');
}

describe('notificationSettingsFrom', () => {
  it('sends nothing without a notifications block, and everything to log by default with one', () => {
    expect(notificationSettingsFrom(null, ENVIRONMENT, {})).toMatchObject({ enabled: false, channels: [] });
    const settings = notificationSettingsFrom(policyWith({}), ENVIRONMENT, {});
    expect(settings.enabled).toBe(true);
    expect(settings.channels).toEqual([{ type: 'log', name: 'log' }]);
    expect(settings.notifyOn).toContain('rollout_aborted');
  });

  it('takes a webhook URL from the variable url_env names, as a secret', () => {
    const settings = notificationSettingsFrom(
      policyWith({ channels: ['chat'], webhooks: { chat: { format: 'slack', url_env: 'CHAT_URL' } } }),
      ENVIRONMENT,
      { CHAT_URL: 'https://hooks.example.test/services/T1/B2/aB3dE5fG7hJ9kL1mN3pQ5rS7' },
    );
    const [chat] = settings.channels;
    expect(chat?.type === 'webhook' && chat.url.reveal()).toBe(
      'https://hooks.example.test/services/T1/B2/aB3dE5fG7hJ9kL1mN3pQ5rS7',
    );
    expect(JSON.stringify(settings)).not.toContain('aB3dE5fG7hJ9kL1mN3pQ5rS7');
  });

  it('stops start-up naming a missing or bad url_env variable, without printing its value', () => {
    const policy = policyWith({ channels: ['chat'], webhooks: { chat: { url_env: 'CHAT_URL' } } });
    const missing = (() => {
      try {
        return notificationSettingsFrom(policy, ENVIRONMENT, {});
      } catch (error) {
        return error;
      }
    })();
    expect(isUpkeepError(missing) && missing.code).toBe('CONFIG_INVALID');
    expect((missing as Error).message).toBe(
      'CHAT_URL is not set, but versions.yaml notifications.webhooks.chat.url_env names it',
    );
    expect(() => notificationSettingsFrom(policy, ENVIRONMENT, { CHAT_URL: 'ftp://u:secretpw@x/y' })).toThrow(
      /^CHAT_URL is not an http\(s\) URL \(ftp:\/\/REDACTED:REDACTED@x\/y\)$/,
    );
  });

  it('leaves e-mail out, with the reason, when SMTP or recipients are missing', () => {
    const policy = policyWith({ channels: ['email', 'log'] });
    expect(notificationSettingsFrom(policy, ENVIRONMENT, {}).unavailable).toEqual([
      { channel: 'email', reason: 'UPKEEP_SMTP_URL is not set' },
    ]);
    const withSmtp = notificationSettingsFrom(policy, { ...ENVIRONMENT, smtpUrl: 'smtp://mail.test:25' }, {});
    expect(withSmtp.unavailable).toEqual([
      { channel: 'email', reason: 'notifications.email.to names no recipient' },
    ]);
    expect(withSmtp.channels.map((channel) => channel.name)).toEqual(['log']);
  });

  it('loads the seed block (email without settings) without failing', () => {
    const settings = notificationSettingsFrom(
      policyWith({ enabled: true, channels: ['email', 'log'], notify_on: ['upgrade_success'] }),
      ENVIRONMENT,
      {},
    );
    expect(settings.notifyOn).toEqual(['upgrade_success']);
    expect(settings.channels.map((channel) => channel.name)).toEqual(['log']);
  });
});
