import { connect as connectTcp, isIP, type OnReadOpts, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { UpkeepError, redactUrl } from '@upkeep/errors';
import type { HttpClient, HttpResponse } from './http.port.ts';
import {
  HttpResponseParser,
  hasControlCharacter,
  type ResponseHead,
} from './http-response-parser.service.ts';

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface StreamingHttpOptions {
  /** The socket's one read buffer (default 64 KiB). */
  readonly readBytes?: number | undefined;
  /** Size of each staging buffer the body is gathered into, so the consumer gets few large chunks (default 256 KiB). */
  readonly stageBytes?: number | undefined;
  /** Staging buffers per response before the socket is paused (default 4). */
  readonly stages?: number | undefined;
  /** PEM certificates to trust for https:// instead of Node's bundled roots (a private CA). */
  readonly ca?: string | readonly string[] | undefined;
}

interface ClientSettings {
  readonly readBytes: number;
  readonly stageBytes: number;
  readonly stages: number;
  readonly ca: string | readonly string[] | undefined;
}

/**
 * The body of one response: bytes gathered into a few staging buffers that
 * are reused, and lent to the consumer one at a time. A chunk stays valid
 * until the consumer asks for the next one (the `for await` loop's next
 * turn), which is how downloadArtifact uses it: hash, write, then next.
 * When every staging buffer is full the socket is paused (real TCP
 * backpressure) and resumed once the consumer has returned one.
 */
class LentBody implements AsyncIterable<Uint8Array>, AsyncIterator<Uint8Array> {
  readonly #stageBytes: number;
  readonly #stages: number;
  readonly #readBytes: number;
  readonly #onRoom: () => void;
  readonly #onCancel: () => void;
  readonly #free: Buffer[] = [];
  readonly #ready: Buffer[] = [];
  #owned = 0;
  #fill: Buffer | null = null;
  #used = 0;
  #lent: Buffer | null = null;
  #paused = false;
  #ended = false;
  #failure: { readonly error: Error } | null = null;
  #waiter: {
    readonly resolve: (result: IteratorResult<Uint8Array>) => void;
    readonly reject: (error: unknown) => void;
  } | null = null;
  #wakeQueued = false;

  constructor(
    sizes: { stageBytes: number; stages: number; readBytes: number },
    onRoom: () => void,
    onCancel: () => void,
  ) {
    this.#stageBytes = sizes.stageBytes;
    this.#stages = sizes.stages;
    this.#readBytes = sizes.readBytes;
    this.#onRoom = onRoom;
    this.#onCancel = onCancel;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  /** Copies received body bytes into the staging buffers. */
  write(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      let fill = this.#fill;
      if (fill === null) {
        fill = this.#take();
        this.#fill = fill;
        this.#used = 0;
      }
      const count = Math.min(bytes.length - at, fill.length - this.#used);
      fill.set(bytes.subarray(at, at + count), this.#used);
      this.#used += count;
      at += count;
      if (this.#used === fill.length) {
        this.#ready.push(fill);
        this.#fill = null;
      }
    }
    this.#wake();
  }

  /** Whether one more socket read fits without a buffer beyond the pool; records a pause otherwise. */
  wantsMore(): boolean {
    const unallocated = Math.max(0, this.#stages - this.#owned);
    const room =
      (this.#free.length + unallocated) * this.#stageBytes +
      (this.#fill === null ? 0 : this.#fill.length - this.#used);
    this.#paused = room < this.#readBytes;
    return !this.#paused;
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  fail(error: unknown): void {
    if (this.#ended || this.#failure !== null) return;
    this.#failure = { error: error instanceof Error ? error : new Error(String(error)) };
    this.#wake();
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    this.#release();
    const chunk = this.#nextChunk();
    if (chunk !== null) return Promise.resolve({ value: chunk, done: false });
    if (this.#failure !== null) return Promise.reject(this.#failure.error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    this.#release();
    if (!this.#ended) {
      this.#ended = true;
      this.#onCancel();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  #take(): Buffer {
    const buffer = this.#free.pop();
    if (buffer !== undefined) return buffer;
    // Past the pool only when TLS hands over more decrypted bytes after a pause; dropped after use.
    this.#owned += 1;
    return Buffer.allocUnsafeSlow(this.#stageBytes);
  }

  #release(): void {
    const lent = this.#lent;
    if (lent === null) return;
    this.#lent = null;
    if (this.#owned > this.#stages) this.#owned -= 1;
    else this.#free.push(lent);
    if (this.#paused && this.wantsMore()) this.#onRoom();
  }

  /** The oldest full staging buffer, or else whatever the filling one holds: a waiting consumer gets data now. */
  #nextChunk(): Uint8Array | null {
    const full = this.#ready.shift();
    if (full !== undefined) {
      this.#lent = full;
      return full;
    }
    if (this.#fill !== null && this.#used > 0) {
      const fill = this.#fill;
      this.#fill = null;
      this.#lent = fill;
      return fill.subarray(0, this.#used);
    }
    return null;
  }

  #wake(): void {
    if (this.#waiter === null || this.#wakeQueued) return;
    this.#wakeQueued = true;
    // After the current socket read is fully parsed, so one read is one chunk, not several.
    queueMicrotask(() => {
      this.#wakeQueued = false;
      const waiter = this.#waiter;
      if (waiter === null) return;
      const chunk = this.#nextChunk();
      if (chunk !== null) {
        this.#waiter = null;
        waiter.resolve({ value: chunk, done: false });
      } else if (this.#failure !== null) {
        this.#waiter = null;
        waiter.reject(this.#failure.error);
      } else if (this.#ended) {
        this.#waiter = null;
        waiter.resolve({ value: undefined, done: true });
      }
    });
  }
}

function requestText(url: URL, headers: Readonly<Record<string, string>>): string {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  const names = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || hasControlCharacter(value)) {
      throw new UpkeepError(
        'INPUT_INVALID',
        `request header ${JSON.stringify(name)} is not a valid HTTP header`,
        {
          hint: 'header names are tokens and values may not contain line breaks or control characters',
        },
      );
    }
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'connection' || lower === 'content-length') continue;
    names.add(lower);
    lines.push(`${name}: ${value}`);
  }
  if (!names.has('authorization') && url.username !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    lines.push(`Authorization: Basic ${Buffer.from(credentials).toString('base64')}`);
  }
  // One request per connection: the body ends at the latest when the connection does.
  lines.push('Connection: close', '', '');
  return lines.join('\r\n');
}

type TlsModule = typeof import('node:tls');

/** Connects (TLS when the module is given); synchronous, so the caller attaches its error handler before any error can be emitted. */
function openSocket(
  url: URL,
  onread: OnReadOpts,
  tls: TlsModule | null,
  ca: string | readonly string[] | undefined,
): Socket {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (tls === null) return connectTcp({ host, port: Number(url.port || 80), onread });
  // tls.connect takes onread like net.connect (nodejs/node#35753); @types/node does not list it.
  const options: ConnectionOptions & { onread: OnReadOpts } = {
    host,
    port: Number(url.port || 443),
    ALPNProtocols: ['http/1.1'],
    onread,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(ca === undefined ? {} : { ca: typeof ca === 'string' ? ca : [...ca] }),
  };
  return tls.connect(options);
}

interface Exchange {
  readonly head: ResponseHead;
  readonly body: LentBody;
  readonly close: () => void;
}

async function exchange(
  url: URL,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
  sizes: ClientSettings,
): Promise<Exchange> {
  signal.throwIfAborted();
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UpkeepError('INPUT_INVALID', `unsupported URL scheme in ${redactUrl(url.toString())}`, {
      hint: 'download URLs must be http:// or https://',
    });
  }
  const request = requestText(url, headers);
  // TLS is loaded only when a download needs it.
  const tls = url.protocol === 'https:' ? await import('node:tls') : null;
  const readBuffer = Buffer.allocUnsafeSlow(sizes.readBytes);
  let socket: Socket | null = null;
  let settled = false;
  const headReady = Promise.withResolvers<ResponseHead>();
  const close = (): void => {
    socket?.destroy();
  };
  const body = new LentBody(
    sizes,
    () => socket?.resume(),
    () => {
      close();
    },
  );
  const fail = (error: unknown): void => {
    if (!settled) {
      settled = true;
      headReady.reject(error);
    }
    body.fail(error);
    close();
  };
  const parser = new HttpResponseParser({
    head: (head) => {
      settled = true;
      headReady.resolve(head);
    },
    body: (bytes) => {
      body.write(bytes);
    },
    end: () => {
      body.end();
      close();
    },
  });
  const onAbort = (): void => {
    fail(signal.reason);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  socket = openSocket(
    url,
    {
      buffer: readBuffer,
      callback: (bytesRead) => {
        try {
          parser.push(readBuffer.subarray(0, bytesRead));
        } catch (error) {
          fail(error);
          return false;
        }
        return body.wantsMore();
      },
    },
    tls,
    sizes.ca,
  );
  socket.on('error', fail);
  socket.on('close', () => {
    signal.removeEventListener('abort', onAbort);
    try {
      parser.close();
    } catch (error) {
      fail(error);
    }
  });
  socket.setNoDelay(true);
  socket.write(request);
  const head = await headReady.promise;
  return { head, body, close };
}

/**
 * An {@link HttpClient} for large downloads, on node:net / node:tls with one
 * reused read buffer (`onread`) and a small pool of staging buffers, parsing
 * HTTP/1.1 itself. node:http allocates a fresh buffer for every socket read
 * and copies every body chunk again; V8 frees those only when its external
 * memory has grown by tens of MiB, so a fast download holds 60-90 MiB of
 * garbage. This client allocates nothing per chunk: memory stays flat
 * whatever the size and speed. Its body chunks are lent: each is valid only
 * until the next is requested (copy it to keep it). Redirects are followed;
 * the Authorization header is dropped when a redirect leaves the host.
 */
export function createStreamingHttpClient(options: StreamingHttpOptions = {}): HttpClient {
  const sizes: ClientSettings = {
    readBytes: options.readBytes ?? 64 * 1024,
    stageBytes: options.stageBytes ?? 256 * 1024,
    stages: options.stages ?? 4,
    ca: options.ca,
  };
  return async (url, init) => {
    let current = new URL(url);
    const origin = current.host;
    let headers = { ...init.headers };
    for (let hop = 0; ; hop += 1) {
      const { head, body, close } = await exchange(current, headers, init.signal, sizes);
      const location = head.headers.get('location');
      if (REDIRECTS.has(head.status) && location !== undefined) {
        close();
        if (hop >= MAX_REDIRECTS) {
          throw new Error(`more than ${String(MAX_REDIRECTS)} redirects from ${redactUrl(url)}`);
        }
        current = new URL(location, current);
        if (current.host !== origin) {
          headers = Object.fromEntries(
            Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
          );
        }
        continue;
      }
      const response: HttpResponse = {
        status: head.status,
        header: (name) => head.headers.get(name.toLowerCase()) ?? null,
        body,
        cancel: () => {
          void body.return();
        },
      };
      return response;
    }
  };
}

/** The default client of downloadArtifact. */
export const streamingHttpClient: HttpClient = createStreamingHttpClient();
