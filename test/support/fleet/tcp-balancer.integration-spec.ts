// The balancer with real sockets on loopback: upstreams are small TCP servers that answer
// with their name and echo, and "die" the way a killed process does (every socket closed,
// nothing listening any more).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../free-port.ts';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer.ts';

interface EchoUpstream {
  readonly address: string;
  /** Connections it holds now. */
  open(): number;
  /** Closes every connection and stops listening, as a SIGKILL would. */
  kill(): Promise<void>;
}

async function startEchoUpstream(name: string): Promise<EchoUpstream> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      socket.write(`${name}:${chunk.toString('utf8')}`);
    });
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    address: `127.0.0.1:${String(address.port)}`,
    open: () => sockets.size,
    kill: async () => {
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

interface Client {
  /** The next reply (waits for it). */
  ask(text: string): Promise<string>;
  readonly closed: Promise<void>;
  end(): void;
}

async function connectClient(port: number): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      resolve();
    });
  });
  return {
    ask: (text) =>
      new Promise((resolve, reject) => {
        socket.once('data', (chunk: Buffer) => {
          resolve(chunk.toString('utf8'));
        });
        socket.once('close', () => {
          reject(new Error(`the connection closed before an answer to "${text}"`));
        });
        socket.write(text);
      }),
    closed,
    end: () => socket.destroy(),
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('tcp balancer', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function setup(names: readonly string[]): Promise<{ ups: EchoUpstream[]; balancer: TcpBalancer }> {
    const ups: EchoUpstream[] = [];
    for (const name of names) {
      const up = await startEchoUpstream(name);
      cleanups.push(() => up.kill());
      ups.push(up);
    }
    const balancer = await startTcpBalancer(ups.map((up) => up.address));
    cleanups.push(() => balancer.close());
    return { ups, balancer };
  }

  it('forwards bytes both ways to the first upstream', async () => {
    const { ups, balancer } = await setup(['a', 'b']);
    const [a, b] = ups;
    const client = await connectClient(balancer.port);
    expect(await client.ask('hello')).toBe('a:hello');
    expect(await client.ask('again')).toBe('a:again');
    expect(balancer.connectionsTo(a?.address ?? '')).toBe(1);
    expect(balancer.connectionsTo(b?.address ?? '')).toBe(0);
    expect(balancer.address).toBe(`127.0.0.1:${String(balancer.port)}`);
  });

  it('closes both sides when the upstream dies, then sends new connections to the next', async () => {
    const { ups, balancer } = await setup(['a', 'b']);
    const [a, b] = ups;
    if (a === undefined || b === undefined) throw new Error('two upstreams');
    const clients = [await connectClient(balancer.port), await connectClient(balancer.port)];
    for (const client of clients) expect(await client.ask('x')).toBe('a:x');
    expect(balancer.openConnections()).toBe(2);

    await a.kill();
    await Promise.all(clients.map((client) => client.closed));
    await until(() => balancer.openConnections() === 0, 'the balancer to let go of both connections');

    const next = await connectClient(balancer.port);
    expect(await next.ask('y')).toBe('b:y');
    expect(balancer.connectionsTo(a.address)).toBe(2);
    expect(balancer.connectionsTo(b.address)).toBe(1);

    // The client leaving closes the upstream side too: nothing is left open on B.
    next.end();
    await until(() => b.open() === 0 && balancer.openConnections() === 0, 'B to see its connection close');
  });

  it('skips an upstream that refuses connections and closes the client when none accepts', async () => {
    const refusing = `127.0.0.1:${String(await freePort())}`;
    const b = await startEchoUpstream('b');
    cleanups.push(() => b.kill());
    const balancer = await startTcpBalancer([refusing, b.address]);
    cleanups.push(() => balancer.close());
    const client = await connectClient(balancer.port);
    expect(await client.ask('z')).toBe('b:z');
    expect(balancer.connectionsTo(refusing)).toBe(0);

    await b.kill();
    await client.closed;
    const orphan = await connectClient(balancer.port);
    await orphan.closed;
    expect(balancer.openConnections()).toBe(0);
  });

  it('close() ends every open connection and stops listening', async () => {
    const { ups, balancer } = await setup(['a']);
    const client = await connectClient(balancer.port);
    expect(await client.ask('q')).toBe('a:q');
    await balancer.close();
    await client.closed;
    await until(() => ups[0]?.open() === 0, 'the upstream side to close');
    await expect(connectClient(balancer.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('names a malformed upstream', async () => {
    await expect(startTcpBalancer(['localhost'])).rejects.toThrow(/upstream "localhost" is not host:port/);
    await expect(startTcpBalancer([])).rejects.toThrow(/at least one upstream/);
  });
});
