/**
 * Every BullMQ queue and job name with its payload type, in one place (STYLE §4).
 * Job ids are the operation UUIDs of outbox rows, never database sequences.
 */
export interface QueuePayloads {
  assignments: {
    /** Tell whichever replica holds the agent's session to send it its pending assignments. */
    dispatch: { readonly jobId: string; readonly hostId: string };
  };
  discovery: {
    /** Refresh one component's releases (and advisories) from upstream into the catalog. */
    refresh: { readonly component: string };
  };
  notifications: {
    /** Send one notification to one channel (the id is the delivery's id). */
    deliver: { readonly deliveryId: string };
  };
}

export type QueueName = keyof QueuePayloads;
export type JobName<Q extends QueueName> = keyof QueuePayloads[Q] & string;

export const QUEUE_NAMES: readonly QueueName[] = ['assignments', 'discovery', 'notifications'];
export const JOB_NAMES: { readonly [Q in QueueName]: readonly JobName<Q>[] } = {
  assignments: ['dispatch'],
  discovery: ['refresh'],
  notifications: ['deliver'],
};

/** One message for job `N` of queue `Q`. */
export interface TypedOutboxMessage<Q extends QueueName, N extends JobName<Q>> {
  /** The operation UUID: outbox row id and BullMQ job id. */
  readonly id: string;
  readonly queue: Q;
  readonly name: N;
  readonly payload: QueuePayloads[Q][N];
}

/** Any message of the registry: a union over every queue and job name, so payloads stay matched to names. */
export type OutboxMessage = {
  [Q in QueueName]: { [N in JobName<Q>]: TypedOutboxMessage<Q, N> }[JobName<Q>];
}[QueueName];
