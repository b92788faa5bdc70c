import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpProtocolError, HttpResponseParser, type ResponseHead } from './http-response-parser.service.ts';

interface Parsed {
  heads: ResponseHead[];
  body: Buffer;
  ended: number;
}

/** Feeds `wire` in pieces cut at `cuts`, reusing one scratch buffer as a socket read would. */
function parse(wire: Buffer, cuts: readonly number[] = [], closeAtEnd = false): Parsed {
  const out: Parsed = { heads: [], body: Buffer.alloc(0), ended: 0 };
  const parts: Buffer[] = [];
  const parser = new HttpResponseParser({
    head: (head) => out.heads.push(head),
    body: (bytes) => parts.push(Buffer.from(bytes)),
    end: () => (out.ended += 1),
  });
  const scratch = Buffer.alloc(wire.length);
  const points = [...new Set(cuts.filter((c) => c > 0 && c < wire.length))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, wire.length]) {
    wire.copy(scratch, 0, from, to);
    parser.push(scratch.subarray(0, to - from));
    scratch.fill(0xee); // a view kept past push would now read garbage
    from = to;
  }
  if (closeAtEnd) parser.close();
  out.body = Buffer.concat(parts);
  return out;
}

const BODY = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
const withLength = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${String(BODY.length)}\r\nETag: "x"\r\n\r\n`),
  BODY,
]);
const chunked = Buffer.concat([
  Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'),
  Buffer.from('3e8;ext=1\r\n'),
  BODY.subarray(0, 1000),
  Buffer.from('\r\n7D0\r\n'),
  BODY.subarray(1000),
  Buffer.from('\r\n0\r\nX-Trailer: t\r\n\r\n'),
]);

describe('HttpResponseParser', () => {
  it('reads the head and a Content-Length body, whatever the reads', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: withLength.length }), { maxLength: 12 }), (cuts) => {
        const out = parse(withLength, cuts);
        expect(out.heads).toHaveLength(1);
        expect(out.heads[0]?.status).toBe(200);
        expect(out.heads[0]?.headers.get('etag')).toBe('"x"');
        expect(out.body.equals(BODY)).toBe(true);
        expect(out.ended).toBe(1);
      }),
    );
  });

  it('de-chunks a chunked body with extensions and trailers, whatever the reads', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: chunked.length }), { maxLength: 12 }), (cuts) => {
        const out = parse(chunked, cuts);
        expect(out.body.equals(BODY)).toBe(true);
        expect(out.ended).toBe(1);
      }),
    );
    expect(
      parse(
        chunked,
        Array.from({ length: chunked.length }, (_, i) => i),
      ).body.equals(BODY),
    ).toBe(true);
  });

  it('reads a body without length to the end of the connection, and skips 1xx heads', () => {
    const wire = Buffer.concat([
      Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\nServer: old\n\n'),
      BODY,
    ]);
    const out = parse(wire, [5, 30, 40], true);
    expect(out.heads.map((h) => h.status)).toEqual([200]);
    expect(out.heads[0]?.headers.get('server')).toBe('old');
    expect(out.body.equals(BODY)).toBe(true);
    expect(out.ended).toBe(1);
  });

  it('joins repeated headers and ends bodiless responses at once', () => {
    const out = parse(Buffer.from('HTTP/1.1 304 Not Modified\r\nVary: a\r\nvary: b\r\n\r\n'));
    expect(out.heads[0]?.headers.get('vary')).toBe('a, b');
    expect(out.ended).toBe(1);
    expect(parse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).ended).toBe(1);
  });

  it('ignores bytes past Content-Length', () => {
    const out = parse(Buffer.concat([withLength, Buffer.from('HTTP/1.1 200 OK\r\n\r\nsmuggled')]));
    expect(out.body.equals(BODY)).toBe(true);
  });

  it.each([
    ['a non-HTTP status line', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken header\r\n\r\n'],
    ['an obsolete folded header', 'HTTP/1.1 200 OK\r\nA: b\r\n  c\r\n\r\n'],
    ['a control byte in a value', 'HTTP/1.1 200 OK\r\nA: b\x01\r\n\r\n'],
    ['conflicting Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n'],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n'],
    ['an unknown Transfer-Encoding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk longer than declared', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n'],
  ])('refuses %s', (_name, wire) => {
    expect(() => parse(Buffer.from(wire, 'latin1'))).toThrow(HttpProtocolError);
  });

  it('refuses a head past 64 KiB, and says what a closed connection cut short', () => {
    const long = `HTTP/1.1 200 OK\r\n${'X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(2000)}\r\n`;
    expect(() => parse(Buffer.from(long), [1000, 40_000])).toThrow(/longer than 65536/);
    expect(() => parse(withLength.subarray(0, 20), [], true)).toThrow(/before the response head/);
    expect(() => parse(withLength.subarray(0, withLength.length - 10), [], true)).toThrow(
      /10 bytes before the end of the body/,
    );
    expect(() => parse(chunked.subarray(0, chunked.length - 4), [], true)).toThrow(/inside a chunked body/);
  });
});
