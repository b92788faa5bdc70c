import { Injectable } from '@nestjs/common';
import type { SessionResponse } from '../generated/proto/upkeep/agent/v1/session.ts';

/** One open Session stream of an agent on this replica. */
export interface SessionSink {
  readonly id: string;
  send(event: SessionResponse): void;
}

/** The agent sessions this replica holds; other replicas learn about work through Redis. */
@Injectable()
export class SessionRegistry {
  private readonly sessions = new Map<string, Set<SessionSink>>();

  /** Registers a sink; the returned function removes it. */
  add(hostId: string, sink: SessionSink): () => void {
    let set = this.sessions.get(hostId);
    if (set === undefined) {
      set = new Set();
      this.sessions.set(hostId, set);
    }
    set.add(sink);
    return () => {
      const current = this.sessions.get(hostId);
      current?.delete(sink);
      if (current?.size === 0) this.sessions.delete(hostId);
    };
  }

  sinks(hostId: string): SessionSink[] {
    return [...(this.sessions.get(hostId) ?? [])];
  }

  get agentCount(): number {
    return this.sessions.size;
  }
}
