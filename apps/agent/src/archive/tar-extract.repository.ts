import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Stats } from 'node:fs';
import { Parser, Unpack, type ReadEntry } from 'tar';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { ExtractionBudget, checkEntryKind, checkEntryPath, type EntryKind } from './archive-entry.service.ts';
import type { ArchiveLimits } from './archive-limits.ts';

export type TarCompression = 'gzip' | 'xz' | 'none';

function kindOf(entry: ReadEntry): EntryKind {
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'device';
    case 'FIFO':
      return 'fifo';
    // Sparse files, GNU dump folders, tape headers, ACLs and the rest: a
    // release archive has none, so they are refused with the other kinds.
    case 'SparseFile':
    case 'ContinuationFile':
    case 'GNUDumpDir':
    case 'Inode':
    case 'TapeVolumeHeader':
    case 'SolarisACL':
    case 'Unsupported':
    case 'ExtendedHeader':
    case 'GlobalExtendedHeader':
    case 'OldExtendedHeader':
    case 'NextFileHasLongPath':
    case 'NextFileHasLongLinkpath':
    case 'OldGnuLongPath':
      return 'other';
  }
}

// Tar headers, padding and the end blocks add up to at most this much beyond
// the files' own bytes for an archive within the entry limit.
const TAR_OVERHEAD_PER_ENTRY = 3 * 512;
const TAR_OVERHEAD_FIXED = 1024 * 1024;

type TarSink = Parser | Unpack;

/**
 * Unpacks a tar (plain, gzip or xz) into `dest`, which must be a fresh, empty
 * folder, in two passes. The first only reads: every entry is checked (only
 * regular files and folders, clean relative paths, no set-id bits, within the
 * limits) and the first bad one refuses the whole archive before a single byte
 * is written. The second pass unpacks, with the same checks again.
 *
 * The `tar` package is configured strictly on top of that, as defence in depth
 * against its history of link-escape bugs (CVE-2021-32803, -32804, -37701,
 * -37712, -37713, CVE-2024-28863): strict mode turns every warning into an
 * error, no preservePaths, never the archive's owner, a maxDepth.
 */
export async function extractTar(
  archivePath: string,
  dest: string,
  compression: TarCompression,
  limits: ArchiveLimits,
): Promise<void> {
  await runPass(
    archivePath,
    compression,
    limits,
    (filter) =>
      new Parser({
        strict: true,
        filter,
        onReadEntry: (e) => {
          e.resume();
        },
        maxDecompressionRatio: limits.maxCompressionRatio,
      }),
  );
  await runPass(
    archivePath,
    compression,
    limits,
    (filter) =>
      new Unpack({
        cwd: dest,
        strict: true,
        preservePaths: false,
        preserveOwner: false,
        maxDepth: limits.maxDepth,
        noMtime: true,
        chmod: false,
        // Our own decompression runs first; a second gzip layer inside would be
        // undone by tar itself, so it gets the same ratio bound.
        maxDecompressionRatio: limits.maxCompressionRatio,
        filter,
      }),
  );
}

type EntryFilter = (path: string, entry: ReadEntry | Stats) => boolean;

async function runPass(
  archivePath: string,
  compression: TarCompression,
  limits: ArchiveLimits,
  makeSink: (filter: EntryFilter) => TarSink,
): Promise<void> {
  const label = archivePath;
  const budget = new ExtractionBudget(label, limits);
  const compressedSize = (await stat(archivePath)).size;
  let refusal: UpkeepError | undefined;
  const filter: EntryFilter = (_path, entry) => {
    if (refusal !== undefined) return false;
    if (!('type' in entry)) return false;
    try {
      const kind = kindOf(entry);
      const path = checkEntryPath(label, entry.path, limits);
      checkEntryKind(label, path, kind, entry.mode ?? 0);
      if (kind === 'file' || kind === 'directory') budget.admit(path, kind, entry.size);
      return true;
    } catch (error) {
      refusal = toUpkeepError(label, error);
      sink.abort(refusal);
      return false;
    }
  };
  const sink = makeSink(filter);

  let expanded = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      expanded += chunk.length;
      try {
        budget.checkRatio(compressedSize, expanded);
        budget.checkStreamed(expanded, limits.maxEntries * TAR_OVERHEAD_PER_ENTRY + TAR_OVERHEAD_FIXED);
      } catch (error) {
        callback(toUpkeepError(label, error));
        return;
      }
      callback(null, chunk);
    },
  });

  // Loaded for .tar.xz only, before the file is opened so no stream waits on it.
  // A webpack UMD bundle: Node's ESM loader cannot see its named exports, so it
  // is imported whole (vitest would hide that; plain `node` does not).
  const xzDecompress = compression === 'xz' ? (await import('xz-decompress')).default : null;
  const file = createReadStream(archivePath);
  const streams: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [file];
  let expandedSource: Readable;
  switch (compression) {
    case 'gzip': {
      const gunzip = createGunzip();
      streams.push(gunzip);
      expandedSource = file.pipe(gunzip);
      break;
    }
    case 'xz': {
      if (xzDecompress === null) throw new Error('xz decompressor not loaded');
      const web = Readable.toWeb(file) as unknown as ReadableStream<Uint8Array>;
      expandedSource = Readable.fromWeb(new xzDecompress.XzReadableStream(web));
      streams.push(expandedSource);
      break;
    }
    case 'none':
      expandedSource = file;
      break;
  }

  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        file.destroy();
        meter.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      for (const stream of [...streams, meter]) stream.on('error', fail);
      sink.on('error', fail);
      sink.on('end', () => {
        if (settled) return;
        settled = true;
        resolve();
      });
      expandedSource.pipe(meter).pipe(sink);
    });
  } catch (error) {
    throw refusal ?? toUpkeepError(label, error);
  }
  if (refusal !== undefined) throw refusal;
}

function toUpkeepError(archive: string, error: unknown): UpkeepError {
  if (isUpkeepError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const tarCode = (error as { tarCode?: unknown; code?: unknown } | null)?.tarCode;
  const sysCode = (error as { code?: unknown } | null)?.code;
  if (sysCode === 'ENOSPC') {
    return new UpkeepError('INSUFFICIENT_SPACE', `no space left while extracting ${archive}`, {
      details: { archive },
      hint: 'free space in the agent work folder or lower the archive limits',
      cause: error,
    });
  }
  if (tarCode === 'TAR_ENTRY_ERROR' && /escape|deep|symlink|absolute|\.\./i.test(message)) {
    return new UpkeepError('ARCHIVE_UNSAFE', `archive ${archive} refused by tar: ${message}`, {
      details: { archive, tarCode },
      hint: 'the archive is hostile or broken; do not install it',
      cause: error,
    });
  }
  return new UpkeepError('ARCHIVE_INVALID', `archive ${archive} cannot be read: ${message}`, {
    details: { archive, ...(typeof tarCode === 'string' ? { tarCode } : {}) },
    hint: 'the download may be damaged, or archive_type does not match the file; check download.archive_type',
    cause: error,
  });
}

export { toUpkeepError as archiveErrorFrom };
