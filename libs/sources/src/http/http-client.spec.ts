import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import type { HttpFetch } from '../ports/http.port.ts';
import { ManualClock } from '../testing/source-test-kit.ts';
import { HttpClient } from './http-client.ts';

type Answer = Response | Error;

/** An HTTP port that plays a script of answers and records what it was asked. */
function scripted(answers: Answer[]) {
  const urls: string[] = [];
  const fetch: HttpFetch = (url) => {
    urls.push(url);
    const next = answers.shift();
    if (next === undefined) return Promise.reject(new Error('no more answers'));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { fetch, urls };
}

function client(fetch: HttpFetch, clock = new ManualClock(0)) {
  return new HttpClient({
    fetch,
    clock,
    label: 'Test',
    timeoutMs: 1000,
    retries: 2,
    retryBaseMs: 100,
    maxRetryAfterSeconds: 60,
    secrets: ['sekrit-value'],
  });
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isUpkeepError(error)) throw new Error('expected an UpkeepError');
  return error;
}

describe('HttpClient', () => {
  it('retries network errors and 5xx with doubling backoff', async () => {
    const clock = new ManualClock(0);
    const { fetch, urls } = scripted([
      new TypeError('fetch failed'),
      new Response('', { status: 503 }),
      new Response('ok'),
    ]);
    const response = await client(fetch, clock).request({ url: 'https://u.test/x' });
    expect(new TextDecoder().decode(response.body)).toBe('ok');
    expect(urls).toHaveLength(3);
    expect(clock.now()).toBe(300);
  });

  it('waits a short retry-after on 429 and gives up on a long one', async () => {
    const clock = new ManualClock(0);
    const short = scripted([
      new Response('', { status: 429, headers: { 'retry-after': '2' } }),
      new Response('ok'),
    ]);
    await client(short.fetch, clock).request({ url: 'https://u.test/x' });
    expect(clock.now()).toBe(2000);
    const long = scripted([new Response('', { status: 429, headers: { 'retry-after': '3600' } })]);
    const error = await failure(client(long.fetch).request({ url: 'https://u.test/x' }));
    expect(error.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(long.urls).toHaveLength(1);
  });

  it('maps statuses to codes and keeps secrets out of messages', async () => {
    const cases: [Answer, string][] = [
      [new Response('', { status: 404 }), 'UPSTREAM_NOT_FOUND'],
      [new Response('', { status: 401 }), 'UPSTREAM_AUTH'],
      [new Response('', { status: 400 }), 'UPSTREAM_INVALID_RESPONSE'],
    ];
    for (const [answer, expected] of cases) {
      expect(
        (await failure(client(scripted([answer]).fetch).request({ url: 'https://u.test/x' }))).code,
      ).toBe(expected);
    }
    const down = scripted([1, 2, 3].map(() => new TypeError('connect refused for sekrit-value')));
    const error = await failure(
      client(down.fetch).request({ url: 'https://u.test/x?access_token=sekrit-value' }),
    );
    expect(error.code).toBe('UPSTREAM_UNREACHABLE');
    expect(JSON.stringify(error)).not.toContain('sekrit-value');
  });

  it('refuses a body over the cap without retrying', async () => {
    const { fetch, urls } = scripted([new Response('x'.repeat(100)), new Response('x')]);
    const error = await failure(client(fetch).request({ url: 'https://u.test/x', maxBytes: 10 }));
    expect(error.code).toBe('INPUT_TOO_LARGE');
    expect(urls).toHaveLength(1);
  });
});
