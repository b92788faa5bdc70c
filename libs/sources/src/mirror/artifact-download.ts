import { createHash } from 'node:crypto';
import { UpkeepError, redactUrl } from '@upkeep/errors';
import type { FileSystemPort } from '../ports/file-system.port.ts';
import type { HttpFetch } from '../ports/http.port.ts';
import { isLocalLocation, localPath } from '../sources/local-file.ts';

export interface DownloadedArtifact {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** Hashes and counts bytes on their way to disk; refuses the file before it is renamed into place. */
async function* verified(
  chunks: AsyncIterable<Uint8Array>,
  options: { readonly url: string; readonly maxBytes: number; readonly expectedSha256?: string | undefined },
  result: { sha256: string; size: number },
): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > options.maxBytes) {
      throw new UpkeepError(
        'INPUT_TOO_LARGE',
        `${redactUrl(options.url)} is larger than ${Math.round(options.maxBytes / 1024 / 1024)} MiB`,
        {
          details: { url: redactUrl(options.url) },
          hint: 'raise download.max_size_mb if the file is expected to be this large',
        },
      );
    }
    hash.update(chunk);
    yield chunk;
  }
  const sha256 = hash.digest('hex');
  if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256.toLowerCase()) {
    throw new UpkeepError(
      'CHECKSUM_MISMATCH',
      `${redactUrl(options.url)} has sha256 ${sha256}, but ${options.expectedSha256} was published`,
      {
        details: { url: redactUrl(options.url), expected: options.expectedSha256, actual: sha256 },
        hint: 'the download was corrupted or tampered with; nothing was written',
      },
    );
  }
  result.sha256 = sha256;
  result.size = size;
}

/**
 * Downloads `url` (http(s) or file://) to `path`, hashing as it streams. The file appears
 * only when complete and, when `expectedSha256` is given, matching; otherwise nothing is written.
 * @throws UpkeepError DOWNLOAD_FAILED, CHECKSUM_MISMATCH or INPUT_TOO_LARGE.
 */
export async function downloadArtifact(
  url: string,
  path: string,
  options: {
    readonly expectedSha256?: string | undefined;
    readonly maxBytes: number;
    readonly timeoutMs: number;
  },
  io: { readonly fetch: HttpFetch; readonly fs: FileSystemPort },
): Promise<DownloadedArtifact> {
  const result = { sha256: '', size: 0 };
  let chunks: AsyncIterable<Uint8Array>;
  if (isLocalLocation(url)) {
    const source = localPath(url);
    if ((await io.fs.stat(source))?.isFile !== true) {
      throw new UpkeepError('DOWNLOAD_FAILED', `${source} does not exist`, { details: { path: source } });
    }
    chunks = io.fs.readStream(source);
  } else {
    let response: Response;
    try {
      response = await io.fetch(url, {
        method: 'GET',
        redirect: 'follow',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new UpkeepError(
        'DOWNLOAD_FAILED',
        `downloading ${redactUrl(url)} failed: ${error instanceof Error ? error.message : String(error)}`,
        { details: { url: redactUrl(url) } },
      );
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new UpkeepError('DOWNLOAD_FAILED', `downloading ${redactUrl(url)} answered ${response.status}`, {
        details: { url: redactUrl(url), status: response.status },
      });
    }
    chunks = response.body as ReadableStream<Uint8Array>;
  }
  try {
    await io.fs.writeFileAtomic(path, verified(chunks, { url, ...options }, result));
  } catch (error) {
    if (error instanceof UpkeepError) throw error;
    throw new UpkeepError(
      'DOWNLOAD_FAILED',
      `downloading ${redactUrl(url)} to ${path} failed: ${error instanceof Error ? error.message : String(error)}`,
      { details: { url: redactUrl(url), path } },
    );
  }
  return { path, ...result };
}

/** SHA-256 and size of a local file, or undefined when it does not exist. */
export async function hashFile(
  path: string,
  fs: FileSystemPort,
): Promise<{ sha256: string; size: number } | undefined> {
  const info = await fs.stat(path);
  if (info?.isFile !== true) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of fs.readStream(path)) hash.update(chunk);
  return { sha256: hash.digest('hex'), size: info.size };
}
