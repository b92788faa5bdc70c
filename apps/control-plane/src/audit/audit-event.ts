export type ActorType = 'api_token' | 'agent' | 'system';

/** Who did something: an API token (by id), an agent (by host id) or the control plane itself. */
export interface Actor {
  readonly type: ActorType;
  readonly id: string;
  readonly requestId?: string | undefined;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'control-plane' };

export interface AuditEventInput {
  readonly actor: Actor;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditEvent {
  readonly id: string;
  readonly occurredAt: string;
  readonly actorType: ActorType;
  readonly actorId: string;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly requestId: string | null;
}

export interface AuditQuery {
  readonly actorId?: string | undefined;
  readonly action?: string | undefined;
  readonly targetType?: string | undefined;
  readonly targetId?: string | undefined;
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
