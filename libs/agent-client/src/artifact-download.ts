import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';

export interface ArtifactDownload {
  /** Absolute URL of `/artifacts/sha256/<hex>` on the control plane. */
  readonly url: string;
  readonly sha256: string;
  readonly credential: string;
  /** Final path; `<destination>.part` holds a partial download between attempts. */
  readonly destination: string;
  /** CA bundle for an https URL (the control plane's); system roots when omitted. */
  readonly caPem?: Buffer | undefined;
  /** Default 10 minutes. */
  readonly timeoutMs?: number;
  /** Requests before giving up on a broken connection or a 5xx (default 5). */
  readonly maxAttempts?: number;
}

/** The clock of the retries, replaced in tests. */
export interface ArtifactDownloadDeps {
  readonly sleep: (ms: number) => Promise<void>;
}

/** Waits before the 2nd, 3rd, ... request: about 7 s in all before the 5th. */
const RETRY_DELAYS_MS = [250, 1000, 2000, 4000];

const DEFAULT_DEPS: ArtifactDownloadDeps = { sleep: (ms) => delay(ms) };

/** A failure another request may not hit: the connection, the replica behind it, a 5xx. */
function retryable(message: string, cause?: unknown): UpkeepError {
  return new UpkeepError('DOWNLOAD_FAILED', message, { details: { retryable: true }, cause });
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function get(
  url: URL,
  headers: Record<string, string>,
  caPem: Buffer | undefined,
  timeoutMs: number,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { headers, timeout: timeoutMs, ...(caPem === undefined ? {} : { ca: caPem }) };
    const request =
      url.protocol === 'https:' ? httpsRequest(url, options, resolve) : httpRequest(url, options, resolve);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Downloads an artifact from the control plane's cache with the agent's
 * credential, and keeps it only if it hashes to the expected sha256 (the agent
 * checks again whatever the server did). A broken connection or a 5xx is tried
 * again, resuming the partial file with Range: behind a load balancer the next
 * request reaches a replica that is alive, so one replica dying in the middle
 * of a download does not fail the job.
 */
export async function downloadArtifact(
  download: ArtifactDownload,
  deps: ArtifactDownloadDeps = DEFAULT_DEPS,
): Promise<{ bytes: number; resumedFrom: number }> {
  const maxAttempts = Math.max(1, download.maxAttempts ?? RETRY_DELAYS_MS.length + 1);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await requestOnce(download);
    } catch (error) {
      if (!isUpkeepError(error) || error.details['retryable'] !== true) throw error;
      if (attempt >= maxAttempts) {
        throw new UpkeepError(
          'DOWNLOAD_FAILED',
          `${error.message} (gave up after ${String(attempt)} attempts)`,
          {
            details: { attempts: attempt },
            hint: 'check that the control plane (UPKEEP_PUBLIC_URL) is reachable from the host; the partial file resumes on the next job',
            cause: error,
          },
        );
      }
      await deps.sleep(RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)] ?? 4000);
    }
  }
}

async function requestOnce(download: ArtifactDownload): Promise<{ bytes: number; resumedFrom: number }> {
  const url = new URL(download.url);
  const partial = `${download.destination}.part`;
  const have = await sizeOf(partial);
  const response = await get(
    url,
    { authorization: `Bearer ${download.credential}`, ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
    download.caPem,
    download.timeoutMs ?? 600_000,
  ).catch((cause: unknown) => {
    throw retryable(`cannot reach ${url.origin}: ${(cause as Error).message}`, cause);
  });
  const status = response.statusCode ?? 0;
  if (status === 401 || status === 403) {
    response.resume();
    throw new UpkeepError(
      'UPSTREAM_AUTH',
      `the control plane refused the agent credential for ${url.pathname} (${status})`,
      {
        hint: 're-enroll the agent if it was revoked',
      },
    );
  }
  if (status === 416) {
    // The partial file is not a prefix of anything the server has: start over.
    response.resume();
    await rm(partial, { force: true });
    return requestOnce(download);
  }
  if (status >= 500 || status === 408 || status === 429) {
    response.resume();
    throw retryable(`GET ${url.pathname} answered ${status}`);
  }
  if (status !== 200 && status !== 206) {
    response.resume();
    throw new UpkeepError(
      status === 404 ? 'ASSET_NOT_FOUND' : 'DOWNLOAD_FAILED',
      `GET ${url.pathname} answered ${status}`,
    );
  }
  const resumedFrom = status === 206 ? have : 0;
  // What arrived before a break stays in the partial file for the next request's Range.
  await pipeline(
    response,
    createWriteStream(partial, { flags: status === 206 ? 'a' : 'w', mode: 0o600 }),
  ).catch((cause: unknown) => {
    throw retryable(
      `the download of ${url.pathname} from ${url.origin} broke off: ${(cause as Error).message}`,
      cause,
    );
  });
  const actual = await hashFile(partial);
  if (actual !== download.sha256) {
    await rm(partial, { force: true });
    throw new UpkeepError(
      'CHECKSUM_MISMATCH',
      `${url.pathname} hashes to ${actual}, expected ${download.sha256}`,
      {
        hint: 'the partial file was removed; the next attempt starts from zero',
      },
    );
  }
  await rename(partial, download.destination);
  return { bytes: await sizeOf(download.destination), resumedFrom };
}
