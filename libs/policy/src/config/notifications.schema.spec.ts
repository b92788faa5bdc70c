import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isUpkeepError } from '@upkeep/errors';
import type { ConfigIssue } from './config-issue.ts';
import { loadPolicyConfig } from './load-policy-config.ts';

function load(notifications: unknown) {
  return loadPolicyConfig(stringify({ components: {}, upgrade_policies: { notifications } }), 'test.yaml');
}

function problems(notifications: unknown): string[] {
  try {
    load(notifications);
  } catch (error) {
    if (!isUpkeepError(error)) throw error;
    return (error.details as { issues: ConfigIssue[] }).issues.map(
      (issue) => `${issue.path}: ${issue.message}`,
    );
  }
  return expect.unreachable('the block should have been refused');
}

describe('upgrade_policies.notifications', () => {
  it('accepts webhooks by URL or by environment variable, e-mail settings and the rollout events', () => {
    const config = load({
      enabled: true,
      channels: ['log', 'email', 'ops', 'chat'],
      notify_on: ['upgrade_failure', 'approval_required', 'rollout_paused'],
      webhooks: {
        ops: { url: 'https://hooks.example.test/upkeep', timeout_seconds: 5 },
        chat: { format: 'slack', url_env: 'UPKEEP_SLACK_URL' },
      },
      email: { from: 'upkeep@example.test', to: ['ops@example.test'] },
    });
    const block = config.upgrade_policies.notifications;
    expect(block?.webhooks?.['chat']).toEqual({ format: 'slack', url_env: 'UPKEEP_SLACK_URL' });
    expect(block?.email?.to).toEqual(['ops@example.test']);
  });

  it('refuses a channel that is neither built in nor a webhook', () => {
    expect(problems({ channels: ['log', 'pager'] })).toEqual([
      expect.stringContaining('"pager" is neither log, email nor a webhook'),
    ]);
  });

  it('refuses a webhook with both or neither of url and url_env', () => {
    expect(problems({ webhooks: { a: { url: 'https://x.test', url_env: 'A' } } })[0]).toContain(
      'set exactly one of url and url_env',
    );
    expect(problems({ webhooks: { a: { format: 'json' } } })[0]).toContain(
      'set exactly one of url and url_env',
    );
  });

  it('refuses a webhook named like a built-in channel and a bad variable name', () => {
    expect(problems({ webhooks: { log: { url: 'https://x.test' } } })[0]).toContain('is a built-in channel');
    expect(problems({ webhooks: { a: { url_env: 'not a name' } } })[0]).toContain(
      'must be an environment variable name',
    );
  });
});
