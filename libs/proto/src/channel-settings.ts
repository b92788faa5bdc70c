/**
 * Transport settings both ends of the agent gateway use, in one place so they
 * cannot drift apart: message size limits, keepalive and deadlines.
 */

/** Largest message either side accepts or sends (1 MiB); artifacts never travel over gRPC. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export const KEEPALIVE = {
  /** The agent pings an idle connection this often, so NAT and proxies keep it open. */
  clientTimeMs: 30_000,
  clientTimeoutMs: 10_000,
  /** The server pings its side less often; it mostly relies on the agent's pings. */
  serverTimeMs: 60_000,
  serverTimeoutMs: 20_000,
  /**
   * The server tolerates pings this close together; it must not exceed the
   * agent's interval, or servers that enforce it would answer with GOAWAY
   * (too_many_pings) and drop healthy agents.
   */
  serverMinPingIntervalMs: 20_000,
} as const;

export const DEADLINES = {
  enrollMs: 30_000,
  unaryMs: 15_000,
  /** A session ends at this deadline and the agent opens a new one at once. */
  sessionMs: 30 * 60_000,
} as const;

/** grpc-js channel options for the agent's side. */
export function clientChannelOptions(): Record<string, number> {
  return {
    'grpc.keepalive_time_ms': KEEPALIVE.clientTimeMs,
    'grpc.keepalive_timeout_ms': KEEPALIVE.clientTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    // Backoff between reconnects is the agent's own (with jitter); keep grpc-js' short.
    'grpc.initial_reconnect_backoff_ms': 1_000,
    'grpc.max_reconnect_backoff_ms': 10_000,
  };
}

/** grpc-js server options for the control plane's side. */
export function serverChannelOptions(): Record<string, number> {
  return {
    'grpc.keepalive_time_ms': KEEPALIVE.serverTimeMs,
    'grpc.keepalive_timeout_ms': KEEPALIVE.serverTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': KEEPALIVE.serverMinPingIntervalMs,
    'grpc.http2.max_ping_strikes': 2,
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  };
}

/** Metadata key carrying `Bearer <credential>` on every call but Enroll. */
export const AUTHORIZATION_METADATA_KEY = 'authorization';
