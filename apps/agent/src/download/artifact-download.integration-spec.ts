import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import {
  downloadArtifact,
  type DownloadProgress,
  type DownloadRequest,
} from './artifact-download.repository.ts';
import { asUnprivileged, openToAll } from '../testing/unprivileged.fixture.ts';
import { startArtifactServer, type ArtifactServer } from './artifact-server.fixture.ts';

const BODY = randomBytes(3 * 1024 * 1024 + 123);
const SHA = createHash('sha256').update(BODY).digest('hex');
const noSleep = { sleep: () => Promise.resolve() };

let server: ArtifactServer;
let dir: string;

beforeEach(async () => {
  server = await startArtifactServer();
  dir = mkdtempSync(join(tmpdir(), 'upkeep-download-'));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function request(path: string, extra: Partial<DownloadRequest> = {}): DownloadRequest {
  return {
    url: server.url(path),
    destination: join(dir, 'cache', 'artifact.tar.gz'),
    maxBytes: 64 * 1024 * 1024,
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isUpkeepError(error)) return { code: error.code, message: error.message };
    return { code: 'not an UpkeepError', message: String(error) };
  }
  return { code: 'none', message: 'resolved' };
}

describe('downloadArtifact', () => {
  it('streams the artifact into the cache with its sha256 and reports progress', async () => {
    server.serve('/a', { body: BODY, etag: '"v1"' });
    const progress: DownloadProgress[] = [];
    const result = await downloadArtifact(request('/a', { onProgress: (p) => progress.push(p) }), noSleep);
    expect(result).toMatchObject({ sha256: SHA, size: BODY.length, attempts: 1, resumes: 0 });
    expect(readFileSync(result.path).equals(BODY)).toBe(true);
    expect(progress.at(-1)).toEqual({ bytes: BODY.length, total: BODY.length });
    expect(progress.every((p, i) => i === 0 || p.bytes >= progress[i - 1]!.bytes)).toBe(true);
    expect(existsSync(`${result.path}.partial`)).toBe(false);
  });

  it('resumes with Range after the connection is cut mid-body, and the hash still matches', async () => {
    server.serve('/a', { body: BODY, etag: '"v1"', cutAfter: [1_000_000, 500_000] });
    const result = await downloadArtifact(request('/a'), noSleep);
    expect(result).toMatchObject({ sha256: SHA, size: BODY.length, attempts: 3, resumes: 2 });
    const ranges = server.requests.map((r) => r.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(server.requests[1]?.ifRange).toBe('"v1"');
    expect(Number(/\d+/.exec(ranges[1]!)![0])).toBeGreaterThan(0);
    expect(readFileSync(result.path).equals(BODY)).toBe(true);
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    server.serve('/a', { body: BODY, cutAfter: [700_000], ignoreRange: true });
    const result = await downloadArtifact(request('/a'), noSleep);
    expect(result).toMatchObject({ sha256: SHA, attempts: 2, resumes: 0 });
    expect(server.requests[1]?.range).toMatch(/^bytes=/);
  });

  it('starts over when a 206 carries a Content-Range other than the one asked for', async () => {
    server.serve('/a', { body: BODY, cutAfter: [700_000], wrongRangeStart: true });
    const result = await downloadArtifact(request('/a'), noSleep);
    expect(result.sha256).toBe(SHA);
    expect(server.requests.map((r) => r.range)).toEqual([
      undefined,
      expect.stringMatching(/^bytes=/),
      undefined,
    ]);
  });

  it('resumes a partial file left by an earlier run', async () => {
    server.serve('/a', { body: BODY, etag: '"v1"', cutAfter: [900_000] });
    const first = await failure(downloadArtifact(request('/a', { maxAttempts: 1 }), noSleep));
    expect(first.code).toBe('DOWNLOAD_FAILED');
    const result = await downloadArtifact(request('/a'), noSleep);
    expect(result).toMatchObject({ sha256: SHA, resumes: 1, attempts: 1 });
    expect(server.requests[1]?.range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('refuses an artifact past the size limit from its Content-Length, before reading it', async () => {
    server.serve('/a', { body: BODY });
    const result = await failure(downloadArtifact(request('/a', { maxBytes: 1024 * 1024 }), noSleep));
    expect(result.code).toBe('DOWNLOAD_FAILED');
    expect(result.message).toContain('past the limit of 1048576');
    expect(existsSync(join(dir, 'cache', 'artifact.tar.gz.partial'))).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('aborts mid-stream past the size limit when the server sends no length', async () => {
    server.serve('/a', { body: BODY, chunked: true });
    const result = await failure(downloadArtifact(request('/a', { maxBytes: 1024 * 1024 }), noSleep));
    expect(result.message).toContain('past the limit');
    expect(existsSync(join(dir, 'cache', 'artifact.tar.gz.partial'))).toBe(false);
    expect(existsSync(join(dir, 'cache', 'artifact.tar.gz'))).toBe(false);
  });

  it('detects a body shorter than its Content-Length and gives up after the attempts', async () => {
    server.serve('/a', { body: BODY, cutAfter: [100, 100, 100] });
    const result = await failure(downloadArtifact(request('/a', { maxAttempts: 3 }), noSleep));
    expect(result.code).toBe('DOWNLOAD_FAILED');
    expect(result.message).toContain('gave up after 3 attempts');
    expect(existsSync(join(dir, 'cache', 'artifact.tar.gz'))).toBe(false);
  });

  it('does not retry a 404, and retries a 503', async () => {
    const missing = await failure(downloadArtifact(request('/missing'), noSleep));
    expect(missing).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect(missing.message).toContain('HTTP 404');
    expect(server.requests).toHaveLength(1);
    server.serve('/flaky', { body: BODY, failFirst: { count: 2, status: 503 } });
    expect((await downloadArtifact(request('/flaky'), noSleep)).sha256).toBe(SHA);
  });

  it('resumes when the server stalls past the idle timeout', async () => {
    server.serve('/stall', { body: BODY, etag: '"s"', stallAfter: [100_000] });
    const result = await downloadArtifact(request('/stall', { idleTimeoutMs: 300 }), noSleep);
    expect(result).toMatchObject({ sha256: SHA, resumes: 1 });
    expect(server.requests[1]?.range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('reports an unwritable cache folder as PERMISSION_DENIED', async () => {
    server.serve('/a', { body: BODY });
    const cache = join(dir, 'readonly');
    mkdirSync(cache, { mode: 0o555 });
    openToAll(dir);
    chmodSync(cache, 0o555);
    const result = await asUnprivileged(() =>
      failure(downloadArtifact({ ...request('/a'), destination: join(cache, 'artifact') }, noSleep)),
    );
    expect(result.code).toBe('PERMISSION_DENIED');
    expect(result.message).toContain(cache);
  });

  it('reports a cache path through a file as INPUT_INVALID', async () => {
    server.serve('/a', { body: BODY });
    writeFileSync(join(dir, 'file'), '');
    const result = await failure(
      downloadArtifact({ ...request('/a'), destination: join(dir, 'file', 'artifact') }, noSleep),
    );
    expect(result.code).toBe('INPUT_INVALID');
  });

  it('follows a redirect to another host and does not send it the Authorization header', async () => {
    server.serve('/a', { body: BODY });
    const other = server.url('/a').replace('127.0.0.1', 'localhost');
    server.serve('/release', { body: Buffer.alloc(0), redirectTo: other });
    const result = await downloadArtifact(
      request('/release', { headers: { authorization: 'Bearer secret' } }),
      noSleep,
    );
    expect(result.sha256).toBe(SHA);
    expect(server.requests.map((r) => [r.path, r.authorization])).toEqual([
      ['/release', 'Bearer secret'],
      ['/a', undefined],
    ]);
  });

  it('reads a body from a server that closes the connection right after sending it (HTTP/1.1 with Connection: close)', async () => {
    const raw = createServer((socket) => {
      socket.once('data', () => {
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Length: ${String(BODY.length)}\r\nConnection: close\r\n\r\n`,
        );
        socket.end(BODY);
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as AddressInfo;
    try {
      const result = await downloadArtifact(
        {
          ...request('/x'),
          url: `http://127.0.0.1:${String(port)}/x`,
        },
        noSleep,
      );
      expect(result.sha256).toBe(SHA);
    } finally {
      raw.close();
    }
  });
});
