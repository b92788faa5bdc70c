import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UpkeepError, isUpkeepError, redactUrl } from '@upkeep/errors';
import { fsError } from '../common/fs-error.service.ts';
import { parseContentRange } from './content-range.service.ts';
import { realSleep, type HttpClient, type HttpResponse, type Sleep } from './http.port.ts';
import { streamingHttpClient } from './streaming-http-client.repository.ts';

export interface DownloadProgress {
  readonly bytes: number;
  /** Null while the server has not said how large the artifact is. */
  readonly total: number | null;
}

export interface DownloadRequest {
  readonly url: string;
  /** The cache file the artifact ends up in; `<destination>.partial` holds it meanwhile. */
  readonly destination: string;
  /** Refuse an artifact larger than this, before or while downloading it. */
  readonly maxBytes: number;
  /** Extra request headers (authorization); never logged. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly onProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** Requests in all, first included (default 5). */
  readonly maxAttempts?: number | undefined;
  /** Abort a request that sends nothing for this long, then resume (default 30 s). */
  readonly idleTimeoutMs?: number | undefined;
}

export interface DownloadResult {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  /** Requests made, and how many of them continued a partial file with Range. */
  readonly attempts: number;
  readonly resumes: number;
}

export interface DownloadPorts {
  /** Default: streamingHttpClient, whose chunks are lent (each is hashed and written before the next is read). */
  readonly http?: HttpClient | undefined;
  readonly sleep?: Sleep | undefined;
}

/** What the `.partial.json` beside a partial file says about it, to resume it on a later run. */
interface PartialState {
  readonly url: string;
  readonly validator: string | null;
  readonly total: number | null;
}

class RetryableFailure extends Error {}

/** Writing the cache file failed: a local fault (full disk, permissions), never worth a new request. */
class WriteFailure extends Error {}

const BACKOFF_MS = [250, 1000, 2000, 4000, 8000];

function downloadFailed(
  url: string,
  reason: string,
  details: Record<string, unknown> = {},
  hint?: string,
  cause?: unknown,
) {
  return new UpkeepError('DOWNLOAD_FAILED', `download of ${redactUrl(url)} failed: ${reason}`, {
    details: { url: redactUrl(url), ...details },
    hint:
      hint ?? 'check the network and the upstream, then retry; a partial download resumes where it stopped',
    cause,
  });
}

/**
 * Streams `url` into the cache, hashing (sha256) as the bytes arrive, so memory
 * stays the same whatever the artifact's size. A broken connection resumes with
 * an HTTP Range request, accepted only when the server answers 206 with the
 * matching Content-Range (and the same ETag or Last-Modified); otherwise the
 * download starts over. A partial file left by an earlier run is resumed too.
 */
export async function downloadArtifact(
  request: DownloadRequest,
  ports: DownloadPorts = {},
): Promise<DownloadResult> {
  const httpClient = ports.http ?? streamingHttpClient;
  const sleep = ports.sleep ?? realSleep;
  const maxAttempts = Math.max(1, request.maxAttempts ?? 5);
  const idleTimeoutMs = request.idleTimeoutMs ?? 30_000;
  const partialPath = `${request.destination}.partial`;
  const statePath = `${request.destination}.partial.json`;
  try {
    await mkdir(dirname(request.destination), { recursive: true });
  } catch (error) {
    throw fileError(request, error);
  }

  let hash: Hash = createHash('sha256');
  let offset = 0;
  let state: PartialState = { url: request.url, validator: null, total: null };
  const previous = await readPartialState(statePath);
  if (previous?.url === request.url && previous.validator !== null) {
    const size = await stat(partialPath).then(
      (info) => info.size,
      () => 0,
    );
    if (size > 0 && size <= request.maxBytes) {
      await hashExisting(partialPath, hash);
      offset = size;
      state = previous;
    }
  }
  if (offset === 0) await rm(partialPath, { force: true });

  let attempts = 0;
  let resumes = 0;
  let lastFailure: unknown;
  const restart = async (): Promise<void> => {
    hash = createHash('sha256');
    offset = 0;
    state = { url: request.url, validator: null, total: null };
    await rm(partialPath, { force: true });
  };

  while (attempts < maxAttempts) {
    if (attempts > 0) await sleep(BACKOFF_MS[Math.min(attempts - 1, BACKOFF_MS.length - 1)] ?? 8000);
    attempts += 1;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        controller.abort(new Error(`no data for ${String(idleTimeoutMs)} ms`));
      }, idleTimeoutMs);
    };
    let handle: FileHandle | undefined;
    try {
      const headers: Record<string, string> = { ...request.headers, 'accept-encoding': 'identity' };
      const resuming = offset > 0;
      if (resuming) {
        headers.range = `bytes=${String(offset)}-`;
        if (state.validator !== null) headers['if-range'] = state.validator;
      }
      arm();
      let response: HttpResponse;
      try {
        response = await httpClient(request.url, { headers, signal: controller.signal });
      } catch (error) {
        throw new RetryableFailure(`request failed: ${errorText(error)}`, { cause: error });
      }

      let total: number | null;
      if (resuming && response.status === 206) {
        const range = parseContentRange(response.header('content-range'));
        if (
          range?.start !== offset ||
          (state.total !== null && range.total !== null && range.total !== state.total)
        ) {
          // The server sent a range we did not ask for: trust nothing, start over.
          response.cancel();
          await restart();
          throw new RetryableFailure('server answered a different range than requested');
        }
        total = range.total ?? state.total;
        resumes += 1;
      } else if (response.status === 200) {
        // A 200 to a Range request means the server ignored it (or the file
        // changed under If-Range): the body is the whole artifact again.
        if (resuming) await restart();
        const length = response.header('content-length');
        total = length === null ? null : Number(length);
        if (total !== null && !Number.isSafeInteger(total)) total = null;
      } else if (resuming && response.status === 416) {
        response.cancel();
        await restart();
        throw new RetryableFailure('server refused the resume range');
      } else {
        response.cancel();
        const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
        const failure = downloadFailed(request.url, `HTTP ${String(response.status)}`, {
          status: response.status,
          attempts,
        });
        if (retryable) throw new RetryableFailure(failure.message, { cause: failure });
        throw failure;
      }

      if (total !== null && total > request.maxBytes) {
        response.cancel();
        await restart();
        throw tooLarge(request, total);
      }
      state = { url: request.url, validator: validatorOf(response) ?? state.validator, total };
      await writePartialState(statePath, state);

      handle = await open(partialPath, offset > 0 ? 'a' : 'w', 0o600);
      request.onProgress?.({ bytes: offset, total });
      try {
        for await (const chunk of response.body) {
          arm();
          if (offset + chunk.length > request.maxBytes) {
            controller.abort();
            await handle.close();
            handle = undefined;
            await restart();
            throw tooLarge(request, offset + chunk.length);
          }
          hash.update(chunk);
          try {
            await handle.write(chunk);
          } catch (error) {
            controller.abort();
            throw new WriteFailure('cache write failed', { cause: error });
          }
          offset += chunk.length;
          request.onProgress?.({ bytes: offset, total });
        }
      } catch (error) {
        if (isUpkeepError(error) || error instanceof WriteFailure) throw error;
        throw new RetryableFailure(`connection broken after ${String(offset)} bytes: ${errorText(error)}`, {
          cause: error,
        });
      }
      if (total !== null && offset !== total) {
        throw new RetryableFailure(`connection closed after ${String(offset)} of ${String(total)} bytes`);
      }
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(partialPath, request.destination);
      await rm(statePath, { force: true });
      return { path: request.destination, sha256: hash.digest('hex'), size: offset, attempts, resumes };
    } catch (error) {
      if (!(error instanceof RetryableFailure)) {
        if (isUpkeepError(error)) throw error;
        const failure = fileError(request, error instanceof WriteFailure ? error.cause : error);
        if (failure.code === 'INSUFFICIENT_SPACE') {
          // A partial file that filled the disk cannot be resumed into: give the space back.
          await handle?.close().catch(() => undefined);
          handle = undefined;
          await rm(partialPath, { force: true }).catch(() => undefined);
          await rm(statePath, { force: true }).catch(() => undefined);
        }
        throw failure;
      }
      lastFailure = error;
    } finally {
      clearTimeout(timer);
      await handle?.close().catch(() => undefined);
    }
  }
  const reason = lastFailure instanceof Error ? lastFailure.message : 'unknown failure';
  throw downloadFailed(
    request.url,
    `${reason} (gave up after ${String(attempts)} attempts)`,
    { attempts, bytes: offset },
    undefined,
    lastFailure,
  );
}

function tooLarge(request: DownloadRequest, size: number): UpkeepError {
  return downloadFailed(
    request.url,
    `artifact is ${String(size)} bytes or more, past the limit of ${String(request.maxBytes)}`,
    { size, limit: request.maxBytes, reason: 'size_limit' },
    'raise the download size limit only if this artifact really is that large',
  );
}

function fileError(request: DownloadRequest, error: unknown): UpkeepError {
  return fsError(
    'write',
    request.destination,
    error,
    'check the cache folder (global.cache.directory): it must be writable and have room',
  );
}

function validatorOf(response: HttpResponse): string | null {
  const etag = response.header('etag');
  // A weak ETag may not be used with If-Range (RFC 9110 §13.1.5).
  if (etag !== null && !etag.startsWith('W/')) return etag;
  return response.header('last-modified');
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

async function hashExisting(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

async function readPartialState(path: string): Promise<PartialState | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<PartialState>;
    if (typeof parsed.url !== 'string') return null;
    return {
      url: parsed.url,
      validator: typeof parsed.validator === 'string' ? parsed.validator : null,
      total: typeof parsed.total === 'number' ? parsed.total : null,
    };
  } catch {
    return null;
  }
}

async function writePartialState(path: string, state: PartialState): Promise<void> {
  await writeFile(path, JSON.stringify(state), { mode: 0o600 });
}
