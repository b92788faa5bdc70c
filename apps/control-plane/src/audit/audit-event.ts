export type ActorType = 'api_token' | 'agent' | 'system';

/** Who did something: an API token (by id), an agent (by host id) or the control plane itself. */
export interface Actor {
  readonly type: ActorType;
  readonly id: string;
  readonly requestId?: string | undefined;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'control-plane' };

/**
 * What an event is about, stored in indexed columns so the trail can be queried by it.
 * `hostGroups` defaults to the host's groups at the time of the event (read in the same transaction).
 */
export interface AuditSubject {
  readonly component?: string | null | undefined;
  readonly hostId?: string | null | undefined;
  readonly hostGroups?: readonly string[] | undefined;
  readonly version?: string | null | undefined;
  readonly outcome?: string | null | undefined;
}

export interface AuditEventInput {
  readonly actor: Actor;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly subject?: AuditSubject | undefined;
}

export interface AuditEvent {
  readonly id: string;
  readonly occurredAt: string;
  readonly actorType: ActorType;
  readonly actorId: string;
  /** The API token's name or the agent's hostname, when it still exists. */
  readonly actorName: string | null;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly requestId: string | null;
  readonly component: string | null;
  readonly hostId: string | null;
  readonly hostGroups: readonly string[];
  readonly version: string | null;
  readonly outcome: string | null;
}

/** Filters of the audit trail; every one is served by an index ending in (occurred_at, id). */
export interface AuditQuery {
  /** Events by any of these actors (an actor named by a token name or hostname can be several). */
  readonly actorIds?: readonly string[] | undefined;
  readonly action?: string | undefined;
  readonly targetType?: string | undefined;
  readonly targetId?: string | undefined;
  readonly component?: string | undefined;
  /** Events about any of these hosts (a hostname can name several). */
  readonly hostIds?: readonly string[] | undefined;
  readonly group?: string | undefined;
  readonly version?: string | undefined;
  readonly outcome?: string | undefined;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  readonly nextCursor: string | null;
}
