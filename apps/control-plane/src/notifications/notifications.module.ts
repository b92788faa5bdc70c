import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { OutboxRepository } from '../outbox/outbox.repository.ts';
import { NOTIFIER } from './notification-event.ts';
import { NotificationDeliveryService } from './notification-delivery.service.ts';
import { NotificationRepository } from './notification.repository.ts';
import { NotificationService } from './notification.service.ts';
import { SmtpSenderRepository } from './smtp-sender.repository.ts';
import { WebhookSenderRepository } from './webhook-sender.repository.ts';

/**
 * Provides the Notifier port (NOTIFIER) every service enqueues through, the delivery worker's service
 * and the listing. `ports` are the app's port providers (config, logger, Prisma, clock): values, so
 * sharing them here gives the same instances the rest of the app sees.
 */
@Module({})
export class NotificationsModule {
  static forRoot(ports: readonly Provider[]): DynamicModule {
    return {
      module: NotificationsModule,
      providers: [
        ...ports,
        OutboxRepository,
        NotificationRepository,
        WebhookSenderRepository,
        SmtpSenderRepository,
        NotificationService,
        NotificationDeliveryService,
        { provide: NOTIFIER, useExisting: NotificationService },
      ],
      exports: [NOTIFIER, NotificationService, NotificationDeliveryService],
    };
  }
}
