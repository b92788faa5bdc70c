import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry } from 'yauzl';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { ExtractionBudget, checkEntryKind, checkEntryPath, type EntryKind } from './archive-entry.service.ts';
import type { ArchiveLimits } from './archive-limits.ts';
import { archiveErrorFrom } from './tar-extract.repository.ts';

const UNIX_HOST = 3;
const DOS_DIRECTORY = 0x10;

/** Reads the entry's kind and Unix mode from the central directory (made-by host and external attributes). */
export function zipEntryKind(entry: Pick<Entry, 'versionMadeBy' | 'externalFileAttributes' | 'fileName'>): {
  kind: EntryKind;
  mode: number;
} {
  const namedDirectory = entry.fileName.endsWith('/');
  if (entry.versionMadeBy >> 8 === UNIX_HOST) {
    const mode = entry.externalFileAttributes >>> 16;
    const type = mode & 0o170000;
    const kind: EntryKind =
      type === 0
        ? namedDirectory
          ? 'directory'
          : 'file'
        : type === 0o100000
          ? 'file'
          : type === 0o040000
            ? 'directory'
            : type === 0o120000
              ? 'symlink'
              : type === 0o020000 || type === 0o060000
                ? 'device'
                : type === 0o010000
                  ? 'fifo'
                  : type === 0o140000
                    ? 'socket'
                    : 'other';
    // A name and a type that disagree is a trick, not an accident.
    if ((kind === 'file' && namedDirectory) || (kind === 'directory' && !namedDirectory)) {
      return { kind: 'other', mode };
    }
    return { kind, mode };
  }
  const directory = namedDirectory || (entry.externalFileAttributes & DOS_DIRECTORY) !== 0;
  return { kind: directory ? 'directory' : 'file', mode: directory ? 0o755 : 0o644 };
}

function yauzlError(archive: string, error: unknown): UpkeepError {
  if (isUpkeepError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/absolute path|invalid relative path|invalid characters in fileName/.test(message)) {
    return new UpkeepError('ARCHIVE_UNSAFE', `archive ${archive} refused: ${message}`, {
      details: { archive },
      hint: 'the archive is hostile or broken; do not install it',
      cause: error,
    });
  }
  return archiveErrorFrom(archive, error);
}

/**
 * Unpacks a zip into `dest` (a fresh, empty folder) under the same rules as
 * tar: only files and folders, clean paths, no set-id bits, within limits.
 * Files are created with O_EXCL, so nothing is ever written through a link.
 */
export async function extractZip(archivePath: string, dest: string, limits: ArchiveLimits): Promise<void> {
  const label = archivePath;
  const budget = new ExtractionBudget(label, limits);
  const compressedSize = (await stat(archivePath)).size;
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(archivePath, {
      decodeStrings: true,
      strictFileNames: true,
      validateEntrySizes: true,
      autoClose: false,
    });
  } catch (error) {
    throw yauzlError(label, error);
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new UpkeepError(
        'ARCHIVE_UNSAFE',
        `archive ${label} refused: ${String(zip.entryCount)} entries (limit ${String(limits.maxEntries)})`,
        {
          details: { archive: label, limit: limits.maxEntries },
          hint: 'an archive this large is a bomb or not a release',
        },
      );
    }
    let expanded = 0;
    for await (const entry of zip.eachEntry()) {
      const path = checkEntryPath(label, entry.fileName, limits);
      const { kind, mode } = zipEntryKind(entry);
      checkEntryKind(label, path, kind, mode);
      if (kind !== 'file' && kind !== 'directory') continue;
      budget.admit(path, kind, kind === 'file' ? entry.uncompressedSize : 0);
      const target = join(dest, path);
      if (kind === 'directory') {
        await mkdir(target, { recursive: true, mode: 0o755 });
        continue;
      }
      if (entry.isEncrypted()) {
        throw new UpkeepError('ARCHIVE_INVALID', `archive ${label}: entry ${path} is encrypted`, {
          details: { archive: label, entry: path },
        });
      }
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw new UpkeepError(
          'ARCHIVE_INVALID',
          `archive ${label}: entry ${path} uses compression method ${String(entry.compressionMethod)}; only stored and deflate are read`,
          { details: { archive: label, entry: path } },
        );
      }
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      const input = await zip.openReadStreamPromise(entry);
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback: TransformCallback) {
          expanded += chunk.length;
          try {
            budget.checkRatio(compressedSize, expanded);
          } catch (error) {
            callback(error as Error);
            return;
          }
          callback(null, chunk);
        },
      });
      const output = createWriteStream(target, { flags: 'wx', mode: (mode & 0o111) !== 0 ? 0o755 : 0o644 });
      await pipeline(input, meter, output);
    }
  } catch (error) {
    throw yauzlError(label, error);
  } finally {
    zip.close();
  }
}
