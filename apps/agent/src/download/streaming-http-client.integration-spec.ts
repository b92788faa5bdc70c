import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../testing/tls-certificate.fixture.ts';
import type { HttpResponse } from './http.port.ts';
import { createStreamingHttpClient } from './streaming-http-client.repository.ts';

const BODY = randomBytes(5 * 1024 * 1024 + 77);
const SHA = createHash('sha256').update(BODY).digest('hex');
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    ),
  );
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler, tls = false): Promise<string> {
  const server = tls
    ? createHttpsServer({ cert: TEST_CERTIFICATE, key: TEST_PRIVATE_KEY }, handler)
    : createHttpServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `${tls ? 'https' : 'http'}://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

const signal = (): AbortSignal => new AbortController().signal;

/** Reads the body as downloadArtifact does: uses each chunk before asking for the next. */
async function drain(response: HttpResponse, delayMs = 0): Promise<{ sha256: string; chunks: number[] }> {
  const hash = createHash('sha256');
  const chunks: number[] = [];
  for await (const chunk of response.body) {
    hash.update(chunk);
    chunks.push(chunk.length);
    if (delayMs > 0 && chunks.length % 16 === 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  return { sha256: hash.digest('hex'), chunks };
}

describe('streamingHttpClient', () => {
  it('downloads over https with a pinned CA, in chunks no larger than a staging buffer', async () => {
    const base = await serve((_req, res) => res.end(BODY), true);
    const client = createStreamingHttpClient({ ca: TEST_CERTIFICATE, stageBytes: 128 * 1024 });
    const response = await client(`${base}/a`, { headers: {}, signal: signal() });
    expect(response.status).toBe(200);
    const { sha256, chunks } = await drain(response);
    expect(sha256).toBe(SHA);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(128 * 1024);
  });

  it('refuses a server whose certificate is not trusted', async () => {
    const base = await serve((_req, res) => res.end('x'), true);
    await expect(createStreamingHttpClient()(`${base}/a`, { headers: {}, signal: signal() })).rejects.toThrow(
      /self-signed|certificate/,
    );
  });

  it('reads a chunked body and passes headers on, credentials from the URL as Basic auth', async () => {
    let seen: IncomingMessage['headers'] = {};
    const base = await serve((req, res) => {
      seen = req.headers;
      res.writeHead(200, { 'x-answer': '42' });
      for (let at = 0; at < BODY.length; at += 100_000) res.write(BODY.subarray(at, at + 100_000));
      res.end();
    });
    const url = base.replace('http://', 'http://user:p%40ss@');
    const response = await createStreamingHttpClient()(`${url}/a?b=1`, {
      headers: { 'x-trace': 't1' },
      signal: signal(),
    });
    expect(response.header('X-Answer')).toBe('42');
    expect(response.header('transfer-encoding')).toBe('chunked');
    expect((await drain(response)).sha256).toBe(SHA);
    expect(seen['x-trace']).toBe('t1');
    expect(seen.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    expect(seen.connection).toBe('close');
  });

  it.each([
    ['http', false],
    ['https', true],
  ])(
    'pauses the socket (%s) while the consumer does not read, then delivers everything',
    async (_name, tls) => {
      const big = randomBytes(48 * 1024 * 1024);
      let blocked = false;
      let res: ServerResponse | undefined;
      const base = await serve((_req, response) => {
        res = response;
        response.writeHead(200, { 'content-length': big.length });
        let at = 0;
        const pump = (): void => {
          while (at < big.length) {
            const ok = response.write(big.subarray(at, at + 64 * 1024));
            at += 64 * 1024;
            if (!ok) {
              blocked = true;
              response.once('drain', pump);
              return;
            }
          }
          response.end();
        };
        pump();
      }, tls);
      const response = await createStreamingHttpClient({ stages: 2, ca: TEST_CERTIFICATE })(`${base}/a`, {
        headers: {},
        signal: signal(),
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Not reading: the client stopped reading, the kernel buffers filled, the server had to wait.
      expect(blocked).toBe(true);
      expect(res?.socket?.bytesWritten ?? 0).toBeLessThan(big.length);
      // A consumer slower than loopback: the socket pauses and resumes many times.
      expect((await drain(response, 1)).sha256).toBe(createHash('sha256').update(big).digest('hex'));
    },
  );

  it('fails the body when the connection closes before Content-Length, keeping the bytes read so far', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1_000_000), () => {
        setTimeout(() => res.socket?.destroy(), 20);
      });
    });
    const response = await createStreamingHttpClient()(`${base}/a`, { headers: {}, signal: signal() });
    let received = 0;
    await expect(
      (async () => {
        for await (const chunk of response.body) received += chunk.length;
      })(),
    ).rejects.toThrow(/before the end of the body/);
    expect(received).toBe(1_000_000);
  });

  it('aborts a stalled body with the signal’s reason', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': 10 });
      res.write('abc');
    });
    const controller = new AbortController();
    const response = await createStreamingHttpClient()(`${base}/a`, {
      headers: {},
      signal: controller.signal,
    });
    setTimeout(() => {
      controller.abort(new Error('no data for 50 ms'));
    }, 50);
    await expect(drain(response)).rejects.toThrow('no data for 50 ms');
  });

  it('refuses header values that would inject a header, and unsupported schemes', async () => {
    const client = createStreamingHttpClient();
    for (const [url, headers] of [
      ['http://127.0.0.1:1/a', { authorization: 'Bearer x\r\nX-Injected: 1' }],
      ['ftp://example.test/a', {}],
    ] as const) {
      const error: unknown = await client(url, { headers, signal: signal() }).catch((e: unknown) => e);
      expect(isUpkeepError(error) && error.code).toBe('INPUT_INVALID');
    }
  });

  it('rejects when nothing listens, and when the server speaks something else', async () => {
    const closed = await serve(() => undefined);
    await new Promise<void>((resolve) => {
      servers.pop()?.close(() => {
        resolve();
      });
    });
    await expect(
      createStreamingHttpClient()(`${closed}/a`, { headers: {}, signal: signal() }),
    ).rejects.toThrow(/ECONNREFUSED/);
    const { createServer } = await import('node:net');
    const raw = createServer((socket) => {
      socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    });
    servers.push(raw);
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    await expect(
      createStreamingHttpClient()(`http://127.0.0.1:${String((raw.address() as AddressInfo).port)}/a`, {
        headers: {},
        signal: signal(),
      }),
    ).rejects.toThrow(/not an HTTP\/1.x status line/);
  });
});
