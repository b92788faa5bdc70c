import type { NotificationKind } from './notification-event.ts';

export type DeliveryState = 'pending' | 'retrying' | 'delivered' | 'failed';

export interface DeliveryView {
  readonly id: string;
  readonly channel: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  /** Redacted: no URL token or password ever reaches this field. */
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
  readonly updatedAt: string;
}

export interface NotificationView {
  readonly id: string;
  readonly kind: NotificationKind;
  readonly title: string;
  readonly text: string;
  readonly componentName: string | null;
  readonly hostname: string | null;
  readonly rolloutId: string | null;
  readonly jobId: string | null;
  readonly version: string | null;
  readonly dedupeKey: string;
  readonly details: Record<string, unknown>;
  readonly createdAt: string;
  readonly deliveries: readonly DeliveryView[];
}

export interface NotificationQuery {
  readonly kind?: NotificationKind | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}
