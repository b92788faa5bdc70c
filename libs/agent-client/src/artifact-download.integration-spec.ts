// The agent's fetch of a job's artifact from the control plane, against a real HTTP server
// on loopback that misbehaves the way a replica dying under a load balancer does: it accepts
// and hangs up, or sends half the body and drops the connection, before a request succeeds.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUpkeepError } from '@upkeep/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadArtifact } from './artifact-download.ts';

const BYTES = randomBytes(200_000);
const SHA256 = createHash('sha256').update(BYTES).digest('hex');

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Serves BYTES (with Range), after `script` had its say about request number n (from 1). */
type Script = (n: number, request: IncomingMessage, response: ServerResponse) => boolean;

describe('downloadArtifact from the control plane', () => {
  let dir = '';
  let server: Server | undefined;
  const requests: { range: string | undefined }[] = [];
  const sleeps: number[] = [];
  const deps = {
    sleep: (ms: number): Promise<void> => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'upkeep-artifact-'));
    requests.length = 0;
    sleeps.length = 0;
  });
  afterEach(async () => {
    const running = server;
    server = undefined;
    if (running !== undefined) {
      running.closeAllConnections();
      await new Promise<void>((resolve) => {
        running.close(() => {
          resolve();
        });
      });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(script: Script): Promise<string> {
    server = createServer((request, response) => {
      requests.push({ range: request.headers.range });
      if (script(requests.length, request, response)) return;
      const from = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
      response.writeHead(from > 0 ? 206 : 200, {
        'content-length': String(BYTES.length - from),
        ...(from > 0
          ? { 'content-range': `bytes ${String(from)}-${String(BYTES.length - 1)}/${String(BYTES.length)}` }
          : {}),
      });
      response.end(BYTES.subarray(from));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `http://127.0.0.1:${String(address.port)}/artifacts/sha256/${SHA256}`;
  }

  const request = (url: string): Parameters<typeof downloadArtifact>[0] => ({
    url,
    sha256: SHA256,
    credential: 'upk_agent_test',
    destination: join(dir, 'artifact'),
  });

  it('tries again after a connection that hangs up, and resumes a body cut off halfway', async () => {
    const url = await serve((n, _request, response) => {
      if (n === 1) {
        response.socket?.destroy();
        return true;
      }
      if (n === 2) {
        // Headers and half the body, then the connection drops (the replica was killed) once the
        // half is on disk: bytes still in flight at a break are lost, which would make the
        // resume offset a matter of timing.
        response.writeHead(200, { 'content-length': String(BYTES.length) });
        response.write(BYTES.subarray(0, 100_000));
        void until(() => sizeOf(join(dir, 'artifact.part')) === 100_000).then(() =>
          response.socket?.destroy(),
        );
        return true;
      }
      return false;
    });
    expect(await downloadArtifact(request(url), deps)).toEqual({ bytes: BYTES.length, resumedFrom: 100_000 });
    expect((await readFile(join(dir, 'artifact'))).equals(BYTES)).toBe(true);
    expect(requests.map((r) => r.range)).toEqual([undefined, undefined, 'bytes=100000-']);
    expect(sleeps).toEqual([250, 1000]);
  });

  it('tries again after a 503', async () => {
    const url = await serve((n, _request, response) => {
      if (n > 1) return false;
      response.writeHead(503).end();
      return true;
    });
    expect(await downloadArtifact(request(url), deps)).toEqual({ bytes: BYTES.length, resumedFrom: 0 });
    expect(requests).toHaveLength(2);
  });

  it('gives up after maxAttempts and says how many it made', async () => {
    const url = await serve((_n, _request, response) => {
      response.socket?.destroy();
      return true;
    });
    const error = await downloadArtifact({ ...request(url), maxAttempts: 3 }, deps).catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('DOWNLOAD_FAILED');
    expect(isUpkeepError(error) && error.message).toMatch(
      /cannot reach http:\/\/127\.0\.0\.1:\d+: .*\(gave up after 3 attempts\)/,
    );
    expect(requests).toHaveLength(3);
    expect(sleeps).toEqual([250, 1000]);
  });

  it('does not repeat an answer another request would not change (404, 401)', async () => {
    const url = await serve((n, _request, response) => {
      response.writeHead(n === 1 ? 404 : 401).end();
      return true;
    });
    const missing = await downloadArtifact(request(url), deps).catch((e: unknown) => e);
    expect(isUpkeepError(missing) && missing.code).toBe('ASSET_NOT_FOUND');
    const refused = await downloadArtifact(request(url), deps).catch((e: unknown) => e);
    expect(isUpkeepError(refused) && refused.code).toBe('UPSTREAM_AUTH');
    expect(requests).toHaveLength(2);
    expect(sleeps).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });
});
