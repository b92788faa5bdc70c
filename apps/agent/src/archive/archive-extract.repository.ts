import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, readdir, realpath, rm, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { UpkeepError } from '@upkeep/errors';
import { checkEntryPath } from './archive-entry.service.ts';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits, type ArchiveType } from './archive-limits.ts';

export interface ExtractRequest {
  readonly archivePath: string;
  readonly archiveType: ArchiveType;
  /** A fresh folder is created under it for this extraction. */
  readonly workDir: string;
  readonly limits?: ArchiveLimits | undefined;
  /** For a bare binary: the name it gets in the folder (default: the download's own name). */
  readonly binaryName?: string | undefined;
}

export interface ExtractedTree {
  /** The folder everything was extracted into; the caller removes it when done. */
  readonly root: string;
  /** Every regular file, relative to `root`, `/`-separated, sorted. */
  readonly files: readonly string[];
}

/**
 * Extracts an artifact into a new, empty folder under `workDir` and checks the
 * result: every path must be a regular file or folder whose real location is
 * inside that folder. On any failure the folder is removed and nothing else
 * on the host was touched.
 */
export async function extractArtifact(request: ExtractRequest): Promise<ExtractedTree> {
  const limits = request.limits ?? DEFAULT_ARCHIVE_LIMITS;
  await mkdir(request.workDir, { recursive: true, mode: 0o700 });
  const root = await mkdtemp(join(request.workDir, 'extract-'));
  try {
    // The archive libraries load only when an archive of their kind is opened:
    // an agent that checks or downloads does not carry them.
    switch (request.archiveType) {
      case 'tar.gz':
      case 'tgz':
        await (
          await import('./tar-extract.repository.ts')
        ).extractTar(request.archivePath, root, 'gzip', limits);
        break;
      case 'tar.xz':
        await (
          await import('./tar-extract.repository.ts')
        ).extractTar(request.archivePath, root, 'xz', limits);
        break;
      case 'tar':
        await (
          await import('./tar-extract.repository.ts')
        ).extractTar(request.archivePath, root, 'none', limits);
        break;
      case 'zip':
        await (await import('./zip-extract.repository.ts')).extractZip(request.archivePath, root, limits);
        break;
      case 'binary':
        await placeBareBinary(
          request.archivePath,
          root,
          request.binaryName ?? basename(request.archivePath),
          limits,
        );
        break;
    }
    const files = await listContained(root);
    return { root, files };
  } catch (error) {
    // Retries cover writes still settling when a refusal aborted the unpacker.
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    throw error;
  }
}

async function placeBareBinary(
  source: string,
  root: string,
  name: string,
  limits: ArchiveLimits,
): Promise<void> {
  const clean = checkEntryPath(source, name, limits);
  if (clean.includes('/') || clean === '.') {
    throw new UpkeepError('INPUT_INVALID', `binary name ${JSON.stringify(name)} must be a plain file name`, {
      hint: 'set download.binary_name to the executable file name, without folders',
    });
  }
  const size = (await stat(source)).size;
  if (size > limits.maxEntryBytes) {
    throw new UpkeepError(
      'ARCHIVE_UNSAFE',
      `binary ${source} is ${String(size)} bytes (limit ${String(limits.maxEntryBytes)})`,
      {
        details: { archive: source, size, limit: limits.maxEntryBytes },
      },
    );
  }
  await copyFile(source, join(root, clean), constants.COPYFILE_EXCL);
}

/**
 * Walks `root` and returns its regular files; refuses anything else (links,
 * devices, FIFOs, set-id bits, extra hard links) and any path whose real
 * location is outside `root`.
 */
export async function listContained(root: string): Promise<string[]> {
  const realRoot = await realpath(root);
  const files: string[] = [];
  const refuse = (path: string, reason: string): UpkeepError =>
    new UpkeepError('ARCHIVE_UNSAFE', `extracted path ${path} ${reason}`, {
      details: { root, path, reason },
      hint: 'the archive is hostile or broken; do not install it',
    });
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const info = await lstat(path);
      const real = await realpath(path);
      if (!real.startsWith(realRoot + sep))
        throw refuse(path, `resolves outside the extraction folder (${real})`);
      if ((info.mode & 0o7000) !== 0) throw refuse(path, 'has setuid, setgid or sticky bits');
      if (info.isDirectory()) {
        await walk(path);
      } else if (info.isFile()) {
        if (info.nlink > 1) throw refuse(path, 'is hard-linked');
        files.push(relative(realRoot, real).split(sep).join('/'));
      } else {
        throw refuse(path, 'is not a regular file or folder');
      }
    }
  };
  await walk(realRoot);
  return files.sort();
}

/**
 * Finds the binary in an extracted tree: `binaryPathInArchive` exactly (the
 * seed's `binary_path_in_archive`, `{VERSION}` already filled in), or else the
 * one file named `binaryName` anywhere in it.
 */
export function locateBinary(
  tree: ExtractedTree,
  wanted: { readonly binaryPathInArchive?: string | undefined; readonly binaryName?: string | undefined },
): string {
  const shown = tree.files.slice(0, 20);
  if (wanted.binaryPathInArchive !== undefined) {
    const clean = checkEntryPath(
      'binary_path_in_archive',
      wanted.binaryPathInArchive,
      DEFAULT_ARCHIVE_LIMITS,
    );
    if (tree.files.includes(clean)) return join(tree.root, ...clean.split('/'));
    throw new UpkeepError('BINARY_NOT_IN_ARCHIVE', `the archive has no file ${clean}`, {
      details: { binaryPathInArchive: clean, files: shown, fileCount: tree.files.length },
      hint: `check download.binary_path_in_archive; the archive holds: ${shown.join(', ') || '(no files)'}`,
    });
  }
  if (wanted.binaryName === undefined) {
    throw new UpkeepError('CONFIG_INVALID', 'neither binary_path_in_archive nor binary_name is set', {
      hint: 'set download.binary_path_in_archive or download.binary_name for this component',
    });
  }
  const name = wanted.binaryName;
  const matches = tree.files.filter((file) => file === name || file.endsWith(`/${name}`));
  const [only] = matches;
  if (matches.length === 1 && only !== undefined) return join(tree.root, ...only.split('/'));
  if (matches.length === 0) {
    throw new UpkeepError('BINARY_NOT_IN_ARCHIVE', `the archive has no file named ${name}`, {
      details: { binaryName: name, files: shown, fileCount: tree.files.length },
      hint: `check download.binary_name; the archive holds: ${shown.join(', ') || '(no files)'}`,
    });
  }
  throw new UpkeepError(
    'BINARY_NOT_IN_ARCHIVE',
    `the archive has ${String(matches.length)} files named ${name}`,
    {
      details: { binaryName: name, matches },
      hint: 'set download.binary_path_in_archive to say which one is the binary',
    },
  );
}
