/** The status line and headers of an HTTP/1.1 response; header names lower-cased, repeats joined with ", ". */
export interface ResponseHead {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
}

export interface ResponseSink {
  /** Once, when the final (non-1xx) head has been read. */
  head(head: ResponseHead): void;
  /** Body bytes, de-chunked; a view into the caller's buffer, valid only during the call. */
  body(bytes: Uint8Array): void;
  /** Once, when the body is complete by its own framing. */
  end(): void;
}

/** The response is not HTTP/1.1 as RFC 9112 has it; the caller drops the connection. */
export class HttpProtocolError extends Error {}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9]\d\d)(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,13})[ \t]*(?:;.*)?$/;
const CR = 13;
const LF = 10;

/** Field values may hold tabs and visible bytes (obs-text included), never other controls (CR, LF, NUL...). */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

type Framing =
  | { readonly kind: 'head' }
  | { readonly kind: 'length'; remaining: number }
  | { readonly kind: 'close' }
  | { readonly kind: 'chunk-data'; remaining: number }
  | { readonly kind: 'chunk-size' | 'chunk-end' | 'trailer' }
  | { readonly kind: 'done' };

/**
 * An incremental parser for one HTTP/1.1 response to a GET: the head (1xx
 * heads skipped), then the body framed by Content-Length, chunked
 * Transfer-Encoding, or the end of the connection. It copies no body bytes:
 * what it gets is passed on as views. Anything malformed throws
 * {@link HttpProtocolError} rather than being guessed at.
 */
export class HttpResponseParser {
  readonly #sink: ResponseSink;
  #framing: Framing = { kind: 'head' };
  #head: Buffer[] = [];
  #headBytes = 0;
  #line: number[] = [];

  constructor(sink: ResponseSink) {
    this.#sink = sink;
  }

  get done(): boolean {
    return this.#framing.kind === 'done';
  }

  /** Feeds received bytes; they may be reused by the caller once this returns. */
  push(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && this.#framing.kind !== 'done') {
      const framing = this.#framing;
      switch (framing.kind) {
        case 'head':
          at = this.#readHead(bytes, at);
          break;
        case 'length': {
          const take = Math.min(framing.remaining, bytes.length - at);
          this.#sink.body(bytes.subarray(at, at + take));
          at += take;
          framing.remaining -= take;
          if (framing.remaining === 0) this.#finish();
          break;
        }
        case 'close':
          this.#sink.body(at === 0 ? bytes : bytes.subarray(at));
          at = bytes.length;
          break;
        case 'chunk-data': {
          const take = Math.min(framing.remaining, bytes.length - at);
          this.#sink.body(bytes.subarray(at, at + take));
          at += take;
          framing.remaining -= take;
          if (framing.remaining === 0) this.#framing = { kind: 'chunk-end' };
          break;
        }
        case 'chunk-size':
        case 'chunk-end':
        case 'trailer':
          at = this.#readChunkLine(framing.kind, bytes, at);
          break;
      }
    }
  }

  /** The connection ended: completes a body framed by the connection's end, or says what is missing. */
  close(): void {
    switch (this.#framing.kind) {
      case 'done':
        return;
      case 'close':
        this.#finish();
        return;
      case 'head':
        throw new HttpProtocolError('connection closed before the response head was complete');
      case 'length':
        throw new HttpProtocolError(
          `connection closed ${String(this.#framing.remaining)} bytes before the end of the body`,
        );
      case 'chunk-data':
      case 'chunk-size':
      case 'chunk-end':
      case 'trailer':
        throw new HttpProtocolError('connection closed inside a chunked body');
    }
  }

  #finish(): void {
    this.#framing = { kind: 'done' };
    this.#sink.end();
  }

  #readHead(bytes: Uint8Array, from: number): number {
    // The head ends at the first empty line; bytes after it belong to the body.
    let end = -1;
    for (let i = from; i < bytes.length; i += 1) {
      if (bytes[i] !== LF) continue;
      const previousLf = this.#byteBefore(bytes, from, i, 1) === CR ? 2 : 1;
      if (this.#byteBefore(bytes, from, i, previousLf) === LF) {
        end = i + 1;
        break;
      }
    }
    const stop = end === -1 ? bytes.length : end;
    this.#headBytes += stop - from;
    if (this.#headBytes > MAX_HEAD_BYTES) {
      throw new HttpProtocolError(`response head longer than ${String(MAX_HEAD_BYTES)} bytes`);
    }
    this.#head.push(Buffer.from(bytes.subarray(from, stop)));
    if (end === -1) return stop;
    const text = Buffer.concat(this.#head).toString('latin1');
    this.#head = [];
    this.#headBytes = 0;
    this.#startBody(parseHead(text));
    return end;
  }

  /** The byte `back` positions before `i`, looking into the head collected so far when needed. */
  #byteBefore(bytes: Uint8Array, from: number, i: number, back: number): number | undefined {
    const index = i - back;
    if (index >= from) return bytes[index];
    let missing = from - index;
    for (const part of [...this.#head].reverse()) {
      if (missing <= part.length) return part[part.length - missing];
      missing -= part.length;
    }
    return undefined;
  }

  #startBody(head: ResponseHead): void {
    if (head.status < 200) {
      // 100 Continue, 103 Early Hints: another head follows.
      return;
    }
    this.#sink.head(head);
    const transferEncoding = head.headers.get('transfer-encoding');
    const contentLength = head.headers.get('content-length');
    if (head.status === 204 || head.status === 304) {
      this.#finish();
    } else if (transferEncoding !== undefined) {
      if (transferEncoding.trim().toLowerCase() !== 'chunked') {
        throw new HttpProtocolError(`unsupported Transfer-Encoding ${JSON.stringify(transferEncoding)}`);
      }
      this.#framing = { kind: 'chunk-size' };
    } else if (contentLength !== undefined) {
      const lengths = new Set(contentLength.split(',').map((part) => part.trim()));
      const [only] = lengths;
      if (lengths.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
        throw new HttpProtocolError(`invalid Content-Length ${JSON.stringify(contentLength)}`);
      }
      const length = Number(only);
      if (length === 0) this.#finish();
      else this.#framing = { kind: 'length', remaining: length };
    } else {
      this.#framing = { kind: 'close' };
    }
  }

  /** Reads one line of chunked framing: a chunk's size, the line end after its data, or a trailer field. */
  #readChunkLine(kind: 'chunk-size' | 'chunk-end' | 'trailer', bytes: Uint8Array, from: number): number {
    let at = from;
    for (const byte of bytes.subarray(from)) {
      at += 1;
      if (byte !== LF) {
        if (this.#line.length >= MAX_CHUNK_LINE) throw new HttpProtocolError('chunk header line too long');
        this.#line.push(byte);
        continue;
      }
      const line = String.fromCharCode(...this.#line).replace(/\r$/, '');
      this.#line = [];
      if (kind === 'chunk-end') {
        if (line !== '') throw new HttpProtocolError('chunk data longer than its declared size');
        this.#framing = { kind: 'chunk-size' };
      } else if (kind === 'trailer') {
        if (line === '') this.#finish();
      } else {
        const hex = CHUNK_SIZE.exec(line)?.[1];
        if (hex === undefined) throw new HttpProtocolError(`invalid chunk size line ${JSON.stringify(line)}`);
        const length = Number.parseInt(hex, 16);
        this.#framing = length === 0 ? { kind: 'trailer' } : { kind: 'chunk-data', remaining: length };
      }
      return at;
    }
    return at;
  }
}

function parseHead(text: string): ResponseHead {
  const lines = text.replace(/\r?\n\r?\n$/, '').split(/\r?\n/);
  const statusLine = STATUS_LINE.exec(lines[0] ?? '');
  if (statusLine === null) {
    throw new HttpProtocolError(
      `not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`,
    );
  }
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const [, rawName, value] = HEADER_LINE.exec(line) ?? [];
    if (rawName === undefined || value === undefined || hasControlCharacter(value)) {
      throw new HttpProtocolError(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    }
    const name = rawName.toLowerCase();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return { status: Number(statusLine[1]), headers };
}
