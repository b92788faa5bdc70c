// Test-only writers that build archives byte by byte, including the hostile
// shapes no well-behaved library will produce (links out, traversal, devices).
import { crc32, deflateRawSync } from 'node:zlib';

export interface RawTarEntry {
  readonly name: string;
  /** ustar typeflag: 0 file, 1 hard link, 2 symlink, 3 char dev, 4 block dev, 5 dir, 6 FIFO, x pax, L GNU long name. */
  readonly type?: '0' | '1' | '2' | '3' | '4' | '5' | '6' | 'x' | 'L';
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly linkname?: string;
  readonly data?: Buffer | string;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function tarHeader(entry: RawTarEntry, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(entry.name, 0, 100, 'utf8');
  header.write(octal(entry.mode ?? (entry.type === '5' ? 0o755 : 0o644), 8), 100, 'ascii');
  header.write(octal(entry.uid ?? 0, 8), 108, 'ascii');
  header.write(octal(entry.gid ?? 0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(1_700_000_000, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write(entry.type ?? '0', 156, 'ascii');
  header.write(entry.linkname ?? '', 157, 100, 'utf8');
  header.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** A tar archive with exactly these headers, in this order. */
export function rawTar(entries: readonly RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    blocks.push(tarHeader(entry, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** The body of a pax extended header setting `key` to `value`. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (`${String(length)}${body}`.length !== length) length += 1;
  return `${String(length)}${body}`;
}

export interface RawZipEntry {
  readonly name: string;
  readonly data?: Buffer | string;
  /** Full Unix st_mode including the type bits (0o100644 file, 0o120777 symlink...). */
  readonly unixMode?: number;
  readonly method?: 0 | 8;
  /** A size the central directory claims instead of the real one. */
  readonly declaredSize?: number;
}

/** A zip archive made on "Unix" (so external attributes carry st_mode). */
export function rawZip(entries: readonly RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const method = entry.method ?? 8;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(data);
    const size = entry.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(
      ((entry.unixMode ?? (entry.name.endsWith('/') ? 0o040755 : 0o100644)) << 16) >>> 0,
      38,
    );
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function crcLE(data: Buffer): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(crc32(data), 0);
  return out;
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

/**
 * A valid .xz file holding `data` in LZMA2 "uncompressed" chunks: the real
 * container format, read by the real decoder, without an encoder in the test.
 */
export function rawXz(data: Buffer): Buffer {
  const flags = Buffer.from([0x00, 0x01]); // check type: CRC32
  const streamHeader = Buffer.concat([
    Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
    flags,
    crcLE(flags),
  ]);
  // Block header: size byte, flags (one filter), LZMA2 filter (id 0x21, one
  // property byte: 8 MiB dictionary), zero padding to 4 bytes, CRC32.
  const body = Buffer.from([0x00, 0x21, 0x01, 0x16]);
  const headerNoCrc = Buffer.concat([Buffer.from([0]), body, pad4(1 + body.length)]);
  headerNoCrc[0] = (headerNoCrc.length + 4) / 4 - 1;
  const blockHeader = Buffer.concat([headerNoCrc, crcLE(headerNoCrc)]);
  const chunks: Buffer[] = [];
  for (let at = 0, first = true; at < data.length; at += 65536, first = false) {
    const piece = data.subarray(at, at + 65536);
    const head = Buffer.from([
      first ? 0x01 : 0x02,
      ((piece.length - 1) >> 8) & 0xff,
      (piece.length - 1) & 0xff,
    ]);
    chunks.push(head, piece);
  }
  chunks.push(Buffer.from([0x00]));
  const compressed = Buffer.concat(chunks);
  const block = Buffer.concat([blockHeader, compressed, pad4(compressed.length), crcLE(data)]);
  const unpaddedSize = blockHeader.length + compressed.length + 4;
  const indexBody = Buffer.concat([
    Buffer.from([0x00]),
    varint(1),
    varint(unpaddedSize),
    varint(data.length),
  ]);
  const indexPadded = Buffer.concat([indexBody, pad4(indexBody.length)]);
  const index = Buffer.concat([indexPadded, crcLE(indexPadded)]);
  const backward = Buffer.alloc(4);
  backward.writeUInt32LE(index.length / 4 - 1, 0);
  const footerBody = Buffer.concat([backward, flags]);
  const footer = Buffer.concat([crcLE(footerBody), footerBody, Buffer.from('YZ', 'ascii')]);
  return Buffer.concat([streamHeader, block, index, footer]);
}
