// A stand-in for the L4 load balancer in front of control-plane replicas: a TCP proxy on
// loopback that sends each new connection to the first upstream, in the order given, that
// accepts a TCP connection (health by connect). It never looks inside the bytes, so TLS runs
// end to end between the client and the replica. When a replica dies its connections close on
// both sides, and the clients' next connections go to the next upstream that accepts.
import { connect, createServer, type Socket } from 'node:net';

/** How long one upstream may take to accept before the next one is tried. */
const CONNECT_TIMEOUT_MS = 2000;

export interface TcpBalancer {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Connections forwarded to this upstream (`host:port` as given) since the start. */
  connectionsTo(upstream: string): number;
  /** Client connections open now (each with its upstream connection). */
  openConnections(): number;
  /** Stops listening and destroys every open connection on both sides. */
  close(): Promise<void>;
}

interface Upstream {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

function parseUpstream(name: string): Upstream {
  const colon = name.lastIndexOf(':');
  const host = name.slice(0, colon);
  const port = Number(name.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`upstream "${name}" is not host:port (for example 127.0.0.1:8443)`);
  }
  return { name, host, port };
}

/** A connected socket to the upstream, or null when it refused, failed or took too long. */
function dial(upstream: Upstream): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: upstream.host, port: upstream.port });
    const fail = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(null);
    };
    const timer = setTimeout(fail, CONNECT_TIMEOUT_MS);
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/** Starts a balancer on 127.0.0.1 (a free port) in front of `upstreams`, tried in order. */
export async function startTcpBalancer(upstreams: readonly string[]): Promise<TcpBalancer> {
  if (upstreams.length === 0) throw new Error('a balancer needs at least one upstream (host:port)');
  const targets = upstreams.map(parseUpstream);
  const counts = new Map<string, number>(targets.map((target) => [target.name, 0]));
  const clients = new Set<Socket>();
  const upstreamSockets = new Set<Socket>();
  let closing = false;

  const forward = async (client: Socket): Promise<void> => {
    clients.add(client);
    client.on('error', () => client.destroy());
    client.once('close', () => clients.delete(client));
    for (const target of targets) {
      const upstream = await dial(target);
      if (upstream === null) continue;
      if (client.destroyed || closing) {
        upstream.destroy();
        return;
      }
      counts.set(target.name, (counts.get(target.name) ?? 0) + 1);
      upstreamSockets.add(upstream);
      // Either side gone, both gone: a dead replica's clients see their connection close.
      upstream.on('error', () => upstream.destroy());
      upstream.once('close', () => {
        upstreamSockets.delete(upstream);
        client.destroy();
      });
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      return;
    }
    client.destroy();
  };

  // Paused until an upstream accepts, so the client's first bytes wait in the kernel, not lost.
  const server = createServer({ pauseOnConnect: true }, (client) => {
    void forward(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the balancer has no TCP port');

  return {
    port: address.port,
    address: `127.0.0.1:${String(address.port)}`,
    connectionsTo: (upstream) => {
      const count = counts.get(upstream);
      if (count === undefined)
        throw new Error(`"${upstream}" is not an upstream of this balancer (${upstreams.join(', ')})`);
      return count;
    },
    openConnections: () => clients.size,
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      for (const socket of [...clients, ...upstreamSockets]) socket.destroy();
      await closed;
    },
  };
}
