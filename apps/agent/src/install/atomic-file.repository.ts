import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, rename, rm, statfs, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UpkeepError } from '@upkeep/errors';
import { fsError } from '../common/fs-error.service.ts';

export interface FileOwner {
  readonly uid: number;
  readonly gid: number;
}

export interface ReplaceOptions {
  readonly target: string;
  readonly mode: number;
  /** Set only when configured; applied only when the agent runs as root. */
  readonly owner?: FileOwner | undefined;
}

const TEMP_MARK = '.upkeep-';

/** The temp name beside `target` that a replacement is written to before the rename. */
function tempBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARK}${randomBytes(6).toString('hex')}.tmp`);
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `target` atomically: writes the new content to a temp file in the
 * same folder, fsyncs it, sets mode (and owner), renames it over the target and
 * fsyncs the folder. Never writes into the existing file: a running binary keeps
 * its inode, and a crash leaves either the old file or the new one, whole.
 */
export async function replaceFile(
  options: ReplaceOptions,
  write: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  const temp = tempBeside(options.target);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', 0o600);
    await write(handle);
    await handle.sync();
    if (options.owner !== undefined && process.getuid?.() === 0) {
      await handle.chown(options.owner.uid, options.owner.gid);
    }
    // chmod after chown: chown clears set-id bits, and the mode is the final word.
    await handle.chmod(options.mode);
    await handle.close();
    handle = undefined;
    await rename(temp, options.target);
    await fsyncDirectory(dirname(options.target));
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw fsError(
      'replace',
      options.target,
      error,
      `check that the folder ${dirname(options.target)} is writable and has room`,
    );
  }
}

/** Installs a copy of `source` as `target` through {@link replaceFile}. */
export async function installFileAtomically(source: string, options: ReplaceOptions): Promise<void> {
  await replaceFile(options, async (handle) => {
    try {
      for await (const chunk of createReadStream(source)) await handle.write(chunk as Buffer);
    } catch (error) {
      throw fsError('read', source, error);
    }
  });
}

/** Writes `content` as `target` through {@link replaceFile}. */
export async function writeFileAtomically(
  target: string,
  content: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  await replaceFile({ target, mode }, async (handle) => {
    await handle.write(typeof content === 'string' ? Buffer.from(content) : content);
  });
}

/** Removes temp files a crash left beside `target`; returns their paths. */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = `.${basename(target)}${TEMP_MARK}`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names
    .filter((name) => name.startsWith(prefix) && name.endsWith('.tmp'))
    .map((name) => join(dir, name));
  await Promise.all(stale.map((path) => rm(path, { force: true })));
  return stale;
}

/**
 * Refuses, before anything on the host changes, a replacement of `target` that
 * its file system has no room for: found here, the service is never stopped for
 * a swap that would fail. A folder that does not exist yet (first install) is
 * not checked; the write itself still reports a full disk.
 */
export async function ensureRoomFor(target: string, bytes: number): Promise<void> {
  const folder = dirname(target);
  let available: number;
  try {
    const info = await statfs(folder);
    available = info.bavail * info.bsize;
  } catch {
    return;
  }
  if (available >= bytes) return;
  throw new UpkeepError(
    'INSUFFICIENT_SPACE',
    `no space left to write ${target}: ${String(bytes)} bytes needed, ${String(available)} free in ${folder}`,
    {
      details: { path: target, needed: bytes, available },
      hint: 'free space on that file system, then retry; the running version was not touched',
    },
  );
}
