import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { UpkeepError } from '@upkeep/errors';

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
 * credential, resuming a partial download with Range, and keeps it only if it
 * hashes to the expected sha256 (the agent checks again whatever the server did).
 */
export async function downloadArtifact(
  download: ArtifactDownload,
): Promise<{ bytes: number; resumedFrom: number }> {
  const url = new URL(download.url);
  const partial = `${download.destination}.part`;
  const have = await sizeOf(partial);
  const response = await get(
    url,
    { authorization: `Bearer ${download.credential}`, ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
    download.caPem,
    download.timeoutMs ?? 600_000,
  ).catch((cause: unknown) => {
    throw new UpkeepError('DOWNLOAD_FAILED', `cannot reach ${url.origin}: ${(cause as Error).message}`, {
      cause,
    });
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
    return downloadArtifact(download);
  }
  if (status !== 200 && status !== 206) {
    response.resume();
    throw new UpkeepError(
      status === 404 ? 'ASSET_NOT_FOUND' : 'DOWNLOAD_FAILED',
      `GET ${url.pathname} answered ${status}`,
    );
  }
  const resumedFrom = status === 206 ? have : 0;
  await pipeline(response, createWriteStream(partial, { flags: status === 206 ? 'a' : 'w', mode: 0o600 }));
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
