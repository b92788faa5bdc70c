import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { FileStat, FileSystemPort } from './file-system.port.ts';

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The real file system. */
export const nodeFileSystem: FileSystemPort = {
  async stat(path): Promise<FileStat | undefined> {
    try {
      const s = await stat(path);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size, mode: s.mode & 0o7777 };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },
  readFile: async (path) => new Uint8Array(await readFile(path)),
  readStream: (path) => createReadStream(path),
  readdir: async (path) => (await readdir(path)).sort(),
  mkdirp: async (path) => {
    await mkdir(path, { recursive: true });
  },
  async writeFileAtomic(path, chunks) {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
    const source =
      typeof chunks === 'string' || chunks instanceof Uint8Array
        ? Readable.from([chunks])
        : Readable.from(chunks);
    try {
      await pipeline(source, createWriteStream(temp, { mode: 0o644 }));
      // Flush before the rename: after a crash the name points at a whole file or the old one.
      await fsyncPath(temp);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  },
  remove: async (path) => {
    await rm(path, { force: true, recursive: true });
  },
};
