import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { SessionResponse } from '../generated/proto/upkeep/agent/v1/session.ts';

/** One open Session stream of an agent on this replica. */
export interface SessionSink {
  readonly id: string;
  send(event: SessionResponse): void;
  /** Ends the stream; the agent reconnects (to this replica after a restart, or another). */
  close(): void;
  /** Ends the stream with an error status (a revoked agent learns it at once). */
  fail(error: Error): void;
}

/** The agent sessions this replica holds; other replicas learn about work through Redis. */
@Injectable()
export class SessionRegistry implements BeforeApplicationShutdown {
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

  /** Ends every open session so the gRPC server can shut down gracefully (streams never end on their own). */
  beforeApplicationShutdown(): void {
    for (const set of this.sessions.values()) for (const sink of set) sink.close();
    this.sessions.clear();
  }

  get agentCount(): number {
    return this.sessions.size;
  }
}
