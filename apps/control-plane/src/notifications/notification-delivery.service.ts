import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { redactText, urlSecretParts } from '@upkeep/errors';
import { CLOCK, CONFIG, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { NotificationChannel } from '../config/notification-settings.ts';
import type { NotificationView } from './notification.ts';
import { emailMessage, jsonWebhookBody, slackWebhookBody } from './notification-message.ts';
import { NotificationRepository } from './notification.repository.ts';
import { SmtpSenderRepository } from './smtp-sender.repository.ts';
import { WebhookSenderRepository } from './webhook-sender.repository.ts';

/** What each delivery attempt ended as; the queue retries `retry` with exponential backoff. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'skipped';

/** Values that must never appear in a log line or a stored error for this channel. */
function secretsOf(channel: NotificationChannel): string[] {
  switch (channel.type) {
    case 'log':
      return [];
    case 'webhook':
      return urlSecretParts(channel.url.reveal());
    case 'email':
      return urlSecretParts(channel.smtpUrl.reveal());
  }
}

/** Sends one delivery per queue job and keeps its state in Postgres (the source of truth). */
@Injectable()
export class NotificationDeliveryService implements OnApplicationBootstrap {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly notifications: NotificationRepository;
  private readonly webhooks: WebhookSenderRepository;
  private readonly smtp: SmtpSenderRepository;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) clock: Clock,
    @Inject(NotificationRepository) notifications: NotificationRepository,
    @Inject(WebhookSenderRepository) webhooks: WebhookSenderRepository,
    @Inject(SmtpSenderRepository) smtp: SmtpSenderRepository,
  ) {
    this.config = config;
    this.logger = logger.child({ component: 'notifications' });
    this.clock = clock;
    this.notifications = notifications;
    this.webhooks = webhooks;
    this.smtp = smtp;
  }

  onApplicationBootstrap(): void {
    const settings = this.config.notifications;
    for (const { channel, reason } of settings.unavailable) {
      this.logger.warn({ channel, reason }, `notification channel ${channel} is configured but cannot send`);
    }
    if (settings.enabled) {
      this.logger.info(
        {
          channels: settings.channels.map((channel) => `${channel.type}:${channel.name}`),
          notifyOn: settings.notifyOn,
        },
        'notifications enabled',
      );
    }
  }

  /**
   * One attempt. Throws when the attempt failed and another one is due (the queue backs off and
   * retries); returns once the delivery is delivered, failed for good, or already settled.
   */
  async deliver(deliveryId: string): Promise<DeliveryOutcome> {
    const delivery = await this.notifications.delivery(deliveryId);
    if (delivery === null || delivery.state === 'delivered' || delivery.state === 'failed') return 'skipped';
    const channel = this.config.notifications.channels.find(
      (candidate) => candidate.name === delivery.channel,
    );
    const attempt = delivery.attempts + 1;
    const log = this.logger.child({
      deliveryId,
      channel: delivery.channel,
      kind: delivery.notification.kind,
      attempt,
    });
    if (channel === undefined) {
      await this.notifications.recordFailure(
        deliveryId,
        `channel ${delivery.channel} is no longer configured`,
        true,
        this.clock.now(),
      );
      log.warn('notification channel no longer configured; delivery failed');
      return 'failed';
    }
    let failure: string | undefined;
    try {
      await this.send(channel, delivery.notification);
    } catch (error) {
      failure = redactText(error instanceof Error ? error.message : String(error), secretsOf(channel));
    }
    if (failure !== undefined) {
      const final = attempt >= this.config.notifications.maxAttempts;
      await this.notifications.recordFailure(deliveryId, failure, final, this.clock.now());
      if (final) {
        log.error({ error: failure }, 'notification delivery failed; no attempts left');
        return 'failed';
      }
      log.warn({ error: failure }, 'notification delivery failed; will retry');
      // Only the redacted message travels on (BullMQ keeps the error text in Redis), not the cause.
      throw new Error(failure);
    }
    await this.notifications.markDelivered(deliveryId, this.clock.now());
    log.info('notification delivered');
    return 'delivered';
  }

  private async send(channel: NotificationChannel, notification: NotificationView): Promise<void> {
    switch (channel.type) {
      case 'log':
        this.logger.info(
          {
            notification: {
              id: notification.id,
              kind: notification.kind,
              component: notification.componentName,
              hostname: notification.hostname,
              version: notification.version,
              rolloutId: notification.rolloutId,
              jobId: notification.jobId,
              text: notification.text,
            },
          },
          notification.title,
        );
        return;
      case 'webhook':
        await this.webhooks.post({
          url: channel.url.reveal(),
          body: channel.format === 'slack' ? slackWebhookBody(notification) : jsonWebhookBody(notification),
          timeoutMs: channel.timeoutMs,
        });
        return;
      case 'email': {
        const message = emailMessage(notification, channel.subjectPrefix);
        await this.smtp.send({
          smtpUrl: channel.smtpUrl.reveal(),
          from: channel.from,
          to: channel.to,
          subject: message.subject,
          text: message.text,
          timeoutMs: channel.timeoutMs,
        });
        return;
      }
    }
  }

  /** Deliveries owed but idle for `olderThanMs` (their queue job lost with Redis): returns their ids, touched. */
  async staleDeliveries(olderThanMs: number): Promise<string[]> {
    const now = this.clock.now();
    const ids = await this.notifications.staleDeliveries(new Date(now.getTime() - olderThanMs), 500);
    await this.notifications.touch(ids, now);
    return ids;
  }
}
