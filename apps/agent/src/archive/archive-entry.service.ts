import { UpkeepError } from '@upkeep/errors';
import type { ArchiveLimits } from './archive-limits.ts';

/** The kinds of entry an archive may hold; only `file` and `directory` are ever written. */
export type EntryKind =
  'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'socket' | 'other';

function unsafe(archive: string, entry: string, reason: string, hint?: string): UpkeepError {
  return new UpkeepError(
    'ARCHIVE_UNSAFE',
    `archive ${archive} refused: entry ${JSON.stringify(entry)} ${reason}`,
    {
      details: { archive, entry, reason },
      hint: hint ?? 'the archive is hostile or broken; do not install it, and report it to its publisher',
    },
  );
}

function bomb(
  archive: string,
  what: string,
  limit: number,
  details: Record<string, unknown> = {},
): UpkeepError {
  return new UpkeepError('ARCHIVE_UNSAFE', `archive ${archive} refused: ${what} (limit ${String(limit)})`, {
    details: { archive, limit, ...details },
    hint: 'an archive this large is a decompression bomb or not a release; raise the archive limits only if you trust it',
  });
}

// Control characters have no place in a release's file names and can hide
// a traversal from a person reading a log.
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const DRIVE = /^[A-Za-z]:/;

/**
 * Checks an entry's name and returns it as a clean relative path (`./a//b/` is
 * refused for the `//`; `./a/b/` becomes `a/b`). Refuses traversal, absolute
 * and drive paths, backslashes, control characters, and names past the depth
 * or length limits.
 */
export function checkEntryPath(archive: string, name: string, limits: ArchiveLimits): string {
  if (name.length === 0) throw unsafe(archive, name, 'has an empty name');
  if (name.length > limits.maxPathLength) {
    throw unsafe(
      archive,
      name.slice(0, 80),
      `has a name longer than ${String(limits.maxPathLength)} characters`,
    );
  }
  if (hasControl(name)) throw unsafe(archive, name, 'has a control character in its name');
  if (name.includes('\\')) throw unsafe(archive, name, 'has a backslash (a Windows path) in its name');
  if (DRIVE.test(name)) throw unsafe(archive, name, 'is a Windows drive path');
  if (name.startsWith('/')) throw unsafe(archive, name, 'is an absolute path');
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  const parts: string[] = [];
  for (const part of trimmed.split('/')) {
    if (part === '..') throw unsafe(archive, name, 'climbs out with ".."');
    if (part === '') throw unsafe(archive, name, 'has an empty path component');
    if (part === '.') continue;
    if (part.length > 255)
      throw unsafe(archive, name.slice(0, 80), 'has a path component longer than 255 characters');
    parts.push(part);
  }
  if (parts.length === 0) return '.';
  if (parts.length > limits.maxDepth) {
    throw bomb(
      archive,
      `entry ${JSON.stringify(name.slice(0, 80))} is ${String(parts.length)} folders deep`,
      limits.maxDepth,
    );
  }
  return parts.join('/');
}

/** Refuses every kind but regular files and folders, and set-id or sticky bits. */
export function checkEntryKind(archive: string, name: string, kind: EntryKind, mode: number): void {
  switch (kind) {
    case 'file':
    case 'directory':
      break;
    case 'symlink':
      throw unsafe(archive, name, 'is a symbolic link; links are never extracted, even pointing inside');
    case 'hardlink':
      throw unsafe(archive, name, 'is a hard link; links are never extracted, even pointing inside');
    case 'device':
      throw unsafe(archive, name, 'is a device file');
    case 'fifo':
      throw unsafe(archive, name, 'is a FIFO');
    case 'socket':
      throw unsafe(archive, name, 'is a socket');
    case 'other':
      throw unsafe(archive, name, 'is not a regular file or folder');
  }
  // Refused rather than stripped: a release binary has no business being
  // setuid, so an archive that asks for it is suspect as a whole.
  if ((mode & 0o7000) !== 0) {
    throw unsafe(
      archive,
      name,
      `asks for setuid, setgid or sticky bits (mode ${(mode & 0o7777).toString(8)})`,
    );
  }
}

/**
 * Counts what an archive has expanded to so far and refuses it the moment it
 * passes a limit: entries, bytes per entry and in all, duplicate names, and
 * the compression ratio.
 */
export class ExtractionBudget {
  readonly #archive: string;
  readonly #limits: ArchiveLimits;
  readonly #seen = new Map<string, EntryKind>();
  #entries = 0;
  #declaredBytes = 0;

  constructor(archive: string, limits: ArchiveLimits) {
    this.#archive = archive;
    this.#limits = limits;
  }

  get entries(): number {
    return this.#entries;
  }

  get declaredBytes(): number {
    return this.#declaredBytes;
  }

  /** Accounts one entry (already path- and kind-checked) of `size` bytes. */
  admit(path: string, kind: 'file' | 'directory', size: number): void {
    this.#entries += 1;
    if (this.#entries > this.#limits.maxEntries) {
      throw bomb(
        this.#archive,
        `more than ${String(this.#limits.maxEntries)} entries`,
        this.#limits.maxEntries,
      );
    }
    const previous = this.#seen.get(path);
    if (previous !== undefined && !(previous === 'directory' && kind === 'directory')) {
      throw unsafe(this.#archive, path, 'appears twice; the archive is ambiguous about which one to install');
    }
    // A file must not sit where a folder of a later entry is, nor the reverse.
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      const parent = parts.slice(0, i).join('/');
      if (this.#seen.get(parent) === 'file')
        throw unsafe(this.#archive, path, `lies under the file ${parent}`);
      if (!this.#seen.has(parent)) this.#seen.set(parent, 'directory');
    }
    this.#seen.set(path, kind);
    if (kind === 'directory') return;
    if (!Number.isSafeInteger(size) || size < 0)
      throw unsafe(this.#archive, path, `declares an invalid size ${String(size)}`);
    if (size > this.#limits.maxEntryBytes) {
      throw bomb(
        this.#archive,
        `entry ${JSON.stringify(path)} expands to ${String(size)} bytes`,
        this.#limits.maxEntryBytes,
        {
          entry: path,
          size,
        },
      );
    }
    this.#declaredBytes += size;
    if (this.#declaredBytes > this.#limits.maxTotalBytes) {
      throw bomb(
        this.#archive,
        `expands past ${String(this.#limits.maxTotalBytes)} bytes`,
        this.#limits.maxTotalBytes,
      );
    }
  }

  /** Judges the ratio of `expanded` to `compressed` bytes read so far. */
  checkRatio(compressed: number, expanded: number): void {
    if (expanded <= this.#limits.ratioGraceBytes) return;
    const ratio = expanded / Math.max(compressed, 1);
    if (ratio > this.#limits.maxCompressionRatio) {
      throw bomb(this.#archive, `compression ratio ${ratio.toFixed(0)}:1`, this.#limits.maxCompressionRatio, {
        compressed,
        expanded,
      });
    }
  }

  /** Refuses a stream that expands past the byte limit even when its headers claim less. */
  checkStreamed(expanded: number, allowance: number): void {
    if (expanded > this.#limits.maxTotalBytes + allowance) {
      throw bomb(
        this.#archive,
        `stream expands past ${String(this.#limits.maxTotalBytes)} bytes`,
        this.#limits.maxTotalBytes,
      );
    }
  }
}
