import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadArtifact } from './artifact-download.repository.ts';
import type { HttpClient, HttpResponse } from './http.port.ts';

/** A scripted HTTP client: each call gets the next answer and its request is recorded. */
function scriptedClient(answers: ((headers: Readonly<Record<string, string>>) => HttpResponse)[]) {
  const calls: Record<string, string>[] = [];
  const client: HttpClient = (_url, init) => {
    calls.push({ ...init.headers });
    const answer = answers[calls.length - 1];
    if (answer === undefined) return Promise.reject(new Error(`unexpected request #${String(calls.length)}`));
    return Promise.resolve(answer(init.headers));
  };
  return { client, calls };
}

function response(
  status: number,
  headers: Record<string, string>,
  chunks: string[],
  breakAfter = false,
): HttpResponse {
  return {
    status,
    header: (name) => headers[name.toLowerCase()] ?? null,
    body: (async function* () {
      for (const chunk of chunks) {
        await Promise.resolve();
        yield Buffer.from(chunk);
      }
      if (breakAfter) throw new Error('socket hang up');
    })(),
    cancel: () => undefined,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upkeep-dl-unit-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('downloadArtifact with a scripted HTTP port', () => {
  it('resumes with Range and If-Range after a break, backing off between attempts', async () => {
    const sleeps: number[] = [];
    const { client, calls } = scriptedClient([
      () => response(200, { 'content-length': '10', etag: '"e1"' }, ['hello'], true),
      () => response(206, { 'content-range': 'bytes 5-9/10', etag: '"e1"' }, ['world']),
    ]);
    const result = await downloadArtifact(
      { url: 'http://upstream.test/a', destination: join(dir, 'a'), maxBytes: 100 },
      {
        http: client,
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
      },
    );
    expect(readFileSync(result.path, 'utf8')).toBe('helloworld');
    expect(calls[1]).toMatchObject({ range: 'bytes=5-', 'if-range': '"e1"', 'accept-encoding': 'identity' });
    expect(calls[0]?.range).toBeUndefined();
    expect(sleeps).toEqual([250]);
    expect(result).toMatchObject({ attempts: 2, resumes: 1, size: 10 });
  });

  it('starts over after a 416 to the resume request', async () => {
    const { client, calls } = scriptedClient([
      () => response(200, { 'content-length': '10' }, ['hello'], true),
      () => response(416, {}, []),
      () => response(200, { 'content-length': '10' }, ['helloworld']),
    ]);
    const result = await downloadArtifact(
      { url: 'http://upstream.test/a', destination: join(dir, 'a'), maxBytes: 100 },
      { http: client, sleep: () => Promise.resolve() },
    );
    expect(readFileSync(result.path, 'utf8')).toBe('helloworld');
    expect(calls.map((c) => c.range)).toEqual([undefined, 'bytes=5-', undefined]);
  });

  it('passes the request headers (authorization) on', async () => {
    const { client, calls } = scriptedClient([() => response(200, {}, ['abc'])]);
    await downloadArtifact(
      {
        url: 'http://upstream.test/a',
        destination: join(dir, 'a'),
        maxBytes: 100,
        headers: { authorization: 'token t' },
      },
      { http: client, sleep: () => Promise.resolve() },
    );
    expect(calls[0]).toMatchObject({ authorization: 'token t' });
  });
});
