import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { WebhookSenderRepository } from './webhook-sender.repository.ts';

describe('WebhookSenderRepository', () => {
  const sender = new WebhookSenderRepository();
  let server: Server;
  let base = '';
  const hits: string[] = [];
  const stalled: ServerResponse[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      hits.push(request.url ?? '');
      request.resume();
      request.on('end', () => {
        if (request.url === '/ok') {
          response.end('ok');
        } else if (request.url === '/auth') {
          response.writeHead(
            request.headers.authorization === `Basic ${Buffer.from('hook:pa55').toString('base64')}`
              ? 204
              : 401,
          );
          response.end();
        } else if (request.url === '/moved') {
          response.writeHead(302, { location: `${base}/ok` });
          response.end();
        } else if (request.url === '/stall') {
          stalled.push(response);
        } else {
          // An endless error body: the sender must stop reading after 16 KiB.
          response.writeHead(500);
          const chunk = 'y'.repeat(64 * 1024);
          const pump = (): void => {
            while (!response.destroyed && response.write(chunk)) {
              /* fill the socket buffer */
            }
            if (!response.destroyed) response.once('drain', pump);
          };
          pump();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const response of stalled) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  const failure = async (path: string, timeoutMs = 5_000): Promise<string> => {
    const error = await sender
      .post({ url: `${base}${path}`, body: { a: 1 }, timeoutMs })
      .catch((caught: unknown) => caught);
    expect(isUpkeepError(error) && error.code).toBe('UNAVAILABLE');
    return (error as Error).message;
  };

  it('posts and accepts a 2xx', async () => {
    await sender.post({ url: `${base}/ok`, body: { a: 1 }, timeoutMs: 5_000 });
    expect(hits).toContain('/ok');
  });

  it('sends URL credentials as Basic authorization', async () => {
    await sender.post({
      url: base.replace('http://', 'http://hook:pa55@') + '/auth',
      body: {},
      timeoutMs: 5_000,
    });
    expect(await failure('/auth')).toBe('webhook answered 401');
  });

  it('does not follow redirects', async () => {
    const before = hits.length;
    expect(await failure('/moved')).toBe('webhook answered 302 (redirect not followed)');
    expect(hits.slice(before)).toEqual(['/moved']);
  });

  it('reads a bounded part of an endless error answer', async () => {
    const message = await failure('/endless?token=abcdef123');
    expect(message).toMatch(/^webhook answered 500: y{200}$/);
  }, 20_000);

  it('gives up after the timeout', async () => {
    expect(await failure('/stall', 300)).toBe('webhook request failed: no answer within 300 ms');
  });

  it('names no secret of the URL when the connection fails', async () => {
    const refused = await sender
      .post({
        url: 'http://user:hunter22@127.0.0.1:1/hooks/aB3dE5fG7hJ9kL1mN3pQ5rS7',
        body: {},
        timeoutMs: 5_000,
      })
      .catch((caught: unknown) => caught as Error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain('webhook request failed');
    expect((refused as Error).message).not.toMatch(/hunter22|aB3dE5fG7hJ9kL1mN3pQ5rS7/);
  });
});
