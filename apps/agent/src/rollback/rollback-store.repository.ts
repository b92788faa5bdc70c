import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UpkeepError } from '@upkeep/errors';
import { fsError } from '../common/fs-error.service.ts';
import { writeFileAtomically } from '../install/atomic-file.repository.ts';
import { sha256File } from '../verify/file-hash.repository.ts';

export interface CopiedFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly mode: number;
}

/** The on-disk side of rollback points: `<store>/<component>/<version>/<id>/{binary,config,unit,metadata.json}`. */
export class RollbackStoreRepository {
  readonly #storeDir: string;

  constructor(storeDir: string) {
    this.#storeDir = storeDir;
  }

  get storeDir(): string {
    return this.#storeDir;
  }

  /** A new, empty folder for one rollback point. */
  async createFolder(component: string, version: string, now: Date): Promise<string> {
    const stamp = now.toISOString().replace(/[-:.]/g, '');
    const folder = join(this.#storeDir, component, version, `${stamp}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(folder, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw fsError(
        'create rollback folder',
        folder,
        error,
        'check the rollback store folder: it must be writable',
      );
    }
    return folder;
  }

  /** Copies `source` into the folder as `name`, hashing as it copies, and fsyncs it. */
  async copyIn(source: string, folder: string, name: string): Promise<CopiedFile> {
    const target = join(folder, name);
    const hash = createHash('sha256');
    let size = 0;
    let mode: number;
    try {
      mode = (await stat(source)).mode & 0o7777;
    } catch (error) {
      throw fsError('back up', source, error);
    }
    const handle = await open(target, 'wx', 0o600).catch((error: unknown) => {
      throw fsError('write', target, error);
    });
    try {
      for await (const chunk of createReadStream(source)) {
        const buffer = chunk as Buffer;
        hash.update(buffer);
        size += buffer.length;
        await handle.write(buffer);
      }
      await handle.sync();
    } catch (error) {
      throw fsError('back up', source, error, 'check free space in the rollback store');
    } finally {
      await handle.close();
    }
    return { path: target, sha256: hash.digest('hex'), size, mode };
  }

  async writeMetadata(folder: string, metadata: unknown): Promise<string> {
    const path = join(folder, 'metadata.json');
    await writeFileAtomically(path, `${JSON.stringify(metadata, null, 2)}\n`, 0o600);
    return path;
  }

  async readMetadata(folder: string): Promise<unknown> {
    return JSON.parse(await readFile(join(folder, 'metadata.json'), 'utf8')) as unknown;
  }

  /**
   * Checks that a backed-up file is there and still has its sha256:
   * ROLLBACK_POINT_MISSING when it is gone, STATE_CORRUPT when it changed.
   */
  async verifyFile(pointId: number, what: string, path: string, expected: string): Promise<void> {
    let actual: string;
    try {
      actual = await sha256File(path);
    } catch (error) {
      throw new UpkeepError(
        'ROLLBACK_POINT_MISSING',
        `rollback point ${String(pointId)}: its ${what} ${path} is missing`,
        {
          details: { rollbackPointId: pointId, path },
          hint: 'the rollback store was cleaned by hand or the disk lost it; nothing was changed. Reinstall a known version explicitly',
          cause: error,
        },
      );
    }
    if (actual !== expected) {
      throw new UpkeepError(
        'STATE_CORRUPT',
        `rollback point ${String(pointId)}: its ${what} ${path} has sha256 ${actual}, expected ${expected}`,
        {
          details: { rollbackPointId: pointId, path, expected, actual },
          hint: 'the backup was changed or damaged; it will not be restored. Nothing was changed on the host',
        },
      );
    }
  }

  async removeFolder(folder: string): Promise<void> {
    // Only ever inside the store: a corrupt row must not make us delete elsewhere.
    if (!folder.startsWith(`${this.#storeDir}/`)) {
      throw new UpkeepError(
        'STATE_CORRUPT',
        `rollback folder ${folder} is outside the rollback store ${this.#storeDir}`,
        {
          details: { folder, storeDir: this.#storeDir },
        },
      );
    }
    await rm(folder, { recursive: true, force: true });
  }

  async fileSha256(path: string): Promise<string | null> {
    try {
      return await sha256File(path);
    } catch {
      return null;
    }
  }
}
