import { describe, expect, it } from 'vitest';
import {
  clientChannelOptions,
  DEADLINES,
  KEEPALIVE,
  MAX_MESSAGE_BYTES,
  serverChannelOptions,
} from './channel-settings.ts';

describe('channel settings shared by agent and control plane', () => {
  it('keepalives agree: the agent never pings faster than the server tolerates', () => {
    const client = clientChannelOptions();
    const server = serverChannelOptions();
    expect(client['grpc.keepalive_time_ms']).toBeGreaterThanOrEqual(
      server['grpc.http2.min_ping_interval_without_data_ms']!,
    );
    expect(client['grpc.keepalive_permit_without_calls']).toBe(server['grpc.keepalive_permit_without_calls']);
    expect(KEEPALIVE.clientTimeoutMs).toBeLessThan(KEEPALIVE.clientTimeMs);
    expect(KEEPALIVE.serverTimeoutMs).toBeLessThan(KEEPALIVE.serverTimeMs);
  });

  it('both sides cap messages at the same size in both directions', () => {
    for (const options of [clientChannelOptions(), serverChannelOptions()]) {
      expect(options['grpc.max_receive_message_length']).toBe(MAX_MESSAGE_BYTES);
      expect(options['grpc.max_send_message_length']).toBe(MAX_MESSAGE_BYTES);
    }
  });

  it('a session outlives many heartbeats and every unary deadline', () => {
    expect(DEADLINES.sessionMs).toBeGreaterThan(10 * KEEPALIVE.clientTimeMs);
    expect(DEADLINES.sessionMs).toBeGreaterThan(DEADLINES.unaryMs);
  });
});
