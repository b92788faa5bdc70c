import { createHash } from 'node:crypto';
import { crc32, gzipSync } from 'node:zlib';

/** Bytes from text or bytes. */
export function toBytes(content: string | Uint8Array): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
}

export function sha256Hex(content: string | Uint8Array): string {
  return createHash('sha256').update(toBytes(content)).digest('hex');
}

/** An entry of a test archive. Paths are written as given, hostile ones included (`../x`). */
export interface ArchiveEntry {
  readonly path: string;
  readonly content?: string | Uint8Array;
  /** Permission bits; 0o755 for files by default, so a packed binary is executable. */
  readonly mode?: number;
  readonly type?: 'file' | 'directory' | 'symlink' | 'hardlink';
  /** For links. */
  readonly target?: string;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(entry: ArchiveEntry, size: number): Buffer {
  const header = Buffer.alloc(512, 0);
  let name = entry.path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 154);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100)
      throw new Error(`tar path too long: ${name}`);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  const type = entry.type ?? 'file';
  const flag = { file: '0', hardlink: '1', symlink: '2', directory: '5' }[type];
  header.write(name, 0, 100, 'utf8');
  header.write(octal(entry.mode ?? (type === 'directory' ? 0o755 : 0o755), 8), 100, 8, 'ascii');
  header.write(octal(0, 8), 108, 8, 'ascii');
  header.write(octal(0, 8), 116, 8, 'ascii');
  header.write(octal(size, 12), 124, 12, 'ascii');
  header.write(octal(1_700_000_000, 12), 136, 12, 'ascii');
  header.write('        ', 148, 8, 'ascii');
  header.write(flag, 156, 1, 'ascii');
  header.write(entry.target ?? '', 157, 100, 'utf8');
  header.write('ustar\u000000', 257, 8, 'ascii');
  header.write('root', 265, 32, 'ascii');
  header.write('root', 297, 32, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return header;
}

/** A real `.tar` (ustar) of the entries. */
export function tar(entries: readonly ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body =
      entry.type === undefined || entry.type === 'file' ? toBytes(entry.content ?? '') : Buffer.alloc(0);
    parts.push(tarHeader(entry, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

/** A real `.tar.gz` of the entries. */
export function tarGz(entries: readonly ArchiveEntry[]): Buffer {
  return gzipSync(tar(entries));
}

/** A real `.zip` (stored, not deflated) of the entries, with Unix modes. */
export function zip(entries: readonly ArchiveEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const isDir = entry.type === 'directory';
    const name = Buffer.from(isDir && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path, 'utf8');
    const body = isDir ? Buffer.alloc(0) : toBytes(entry.content ?? '');
    const crc = crc32(body);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(body.length, 24);
    central.writeUInt16LE(name.length, 28);
    const mode = (isDir ? 0o040000 : 0o100000) | (entry.mode ?? (isDir ? 0o755 : 0o755));
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** A checksum file for the given files: GNU (`hash  name`), GNU binary (`hash *name`) or BSD. */
export function checksumFile(
  files: readonly { readonly name: string; readonly content: string | Uint8Array }[],
  style: 'gnu' | 'gnu-binary' | 'bsd' = 'gnu',
): string {
  return files
    .map(({ name, content }) => {
      const hash = sha256Hex(content);
      if (style === 'bsd') return `SHA256 (${name}) = ${hash}\n`;
      return `${hash} ${style === 'gnu' ? ' ' : '*'}${name}\n`;
    })
    .join('');
}
