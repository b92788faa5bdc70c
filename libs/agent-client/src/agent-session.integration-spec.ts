import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AgentSession } from './agent-session.ts';
import { MemoryAgentStateStore } from './agent-state-store.ts';

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

describe('AgentSession reconnection', () => {
  it('backs off exponentially with jitter, up to the cap, while the control plane is unreachable', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const session = new AgentSession({
      serverUrl: `127.0.0.1:${await closedPort()}`,
      identity: {
        agentId: 'a1',
        credential: 'upk_agent_x',
        assignmentPublicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        assignmentKeyId: 'k',
        labels: {},
        groups: [],
      },
      tls: {},
      store: new MemoryAgentStateStore(),
      executor: () => Promise.resolve({ outcome: 'succeeded', message: '' }),
      inventory: () => Promise.resolve([]),
      agentVersion: 'test',
      backoff: { initialMs: 20, maxMs: 100, multiplier: 2 },
      random: () => 0.5,
    });
    const delays: number[] = [];
    const sixth = new Promise<void>((resolve) => {
      session.on('disconnected', (_reason, retryInMs) => {
        delays.push(retryInMs);
        if (delays.length === 6) resolve();
      });
    });
    session.start();
    await sixth;
    await session.stop();
    // Half of 20, 40, 80, then of the 100 ms cap.
    expect(delays).toEqual([10, 20, 40, 50, 50, 50]);
  });
});
