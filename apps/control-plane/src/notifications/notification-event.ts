import type { Transaction } from '../database/prisma-client.ts';

/**
 * What can be notified: the seed's `notify_on` names plus the fleet's own. A channel sends an event only
 * when its kind is in the policy's `notify_on` list.
 */
export type NotificationKind =
  | 'upgrade_available'
  | 'upgrade_success'
  | 'upgrade_failure'
  | 'rollback_executed'
  | 'approval_required'
  | 'rollout_paused'
  | 'rollout_completed'
  | 'rollout_aborted';

export interface NotificationEvent {
  readonly kind: NotificationKind;
  /** One line for chat and the e-mail subject. */
  readonly title: string;
  /** Plain text, a few lines. */
  readonly text: string;
  readonly componentName?: string;
  readonly hostname?: string;
  readonly rolloutId?: string;
  readonly jobId?: string;
  readonly version?: string;
  /** Makes enqueueing idempotent: the same key twice is one notification. */
  readonly dedupeKey: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The port every service uses to notify: called inside the transaction of the change, so a notification
 * exists exactly when the change does; delivery happens later through the queue.
 */
export interface Notifier {
  enqueue(tx: Transaction, event: NotificationEvent, at: Date): Promise<void>;
}

export const NOTIFIER = Symbol('Notifier');
