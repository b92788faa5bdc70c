import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { redactText } from '@upkeep/errors';
import { CONFIG, LOGGER } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { Transaction } from '../database/prisma-client.ts';
import type { Page } from '../audit/audit-event.ts';
import type { NotificationEvent, Notifier } from './notification-event.ts';
import type { NotificationQuery, NotificationView } from './notification.ts';
import { NotificationRepository } from './notification.repository.ts';

/**
 * The Notifier every service calls inside its transaction. Every event is stored (the history shows
 * it); deliveries are created only for the configured channels, and only for kinds in `notify_on`.
 */
@Injectable()
export class NotificationService implements Notifier {
  private readonly config: AppConfig;
  private readonly notifications: NotificationRepository;
  private readonly logger: Logger;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(NotificationRepository) notifications: NotificationRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.config = config;
    this.notifications = notifications;
    this.logger = logger;
  }

  /** Channels an event of this kind goes to: none when disabled or not in notify_on. */
  channelsFor(event: NotificationEvent): string[] {
    const settings = this.config.notifications;
    if (!settings.enabled || !settings.notifyOn.includes(event.kind)) return [];
    return settings.channels.map((channel) => channel.name);
  }

  async enqueue(tx: Transaction, event: NotificationEvent, at: Date): Promise<void> {
    const channels = this.channelsFor(event);
    // Texts often quote an agent's error, which may name a URL: what is stored and sent is redacted.
    const redacted = { ...event, title: redactText(event.title), text: redactText(event.text) };
    const created = await this.notifications.create(tx, redacted, channels, at);
    if (created)
      this.logger.debug({ kind: event.kind, dedupeKey: event.dedupeKey, channels }, 'notification stored');
  }

  list(query: NotificationQuery): Promise<Page<NotificationView>> {
    return this.notifications.list(query);
  }
}
