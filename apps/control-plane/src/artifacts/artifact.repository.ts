import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { CONFIG } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';

export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Largest artifact accepted: infrastructure binaries are tens of MB; 2 GiB leaves room. */
export const MAX_ARTIFACT_BYTES = 2 * 1024 ** 3;

export interface StoredArtifact {
  readonly sha256: string;
  readonly size: number;
}

/**
 * The content-addressed artifact store: `<dir>/sha256/<2 hex>/<64 hex>`. A file
 * appears under its name only after its bytes hashed to that name (written to
 * `<dir>/tmp`, flushed, then renamed), so what is served is always verified.
 */
@Injectable()
export class ArtifactRepository {
  private readonly dir: string;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.dir = config.artifactDir;
  }

  /** Where an artifact lives; only ever called with a validated hex digest. */
  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256))
      throw new UpkeepError('INPUT_INVALID', `"${sha256}" is not a sha256 digest`);
    return join(this.dir, 'sha256', sha256.slice(0, 2), sha256);
  }

  async find(sha256: string): Promise<StoredArtifact | null> {
    try {
      const info = await stat(this.pathOf(sha256));
      return info.isFile() ? { sha256, size: info.size } : null;
    } catch {
      return null;
    }
  }

  /**
   * Stores a stream whose sha256 must equal `expected`; a mismatch keeps nothing. `verify`, when
   * given, sees the complete temporary file after the hash matched and before it takes its name:
   * when it throws, nothing is kept either.
   */
  async store(
    body: Readable,
    expected: string,
    maxBytes: number,
    verify?: (temporaryPath: string) => Promise<void>,
  ): Promise<StoredArtifact> {
    const finalPath = this.pathOf(expected);
    const temporary = join(this.dir, 'tmp', randomUUID());
    await mkdir(join(this.dir, 'tmp'), { recursive: true });
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) {
          callback(new UpkeepError('INPUT_TOO_LARGE', `the artifact is larger than ${maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(temporary, { flags: 'wx', mode: 0o644 }));
      const actual = hash.digest('hex');
      if (actual !== expected) {
        throw new UpkeepError('CHECKSUM_MISMATCH', `the upload hashes to ${actual}, not ${expected}`, {
          hint: 'upload the file whose sha256 the URL names',
        });
      }
      const handle = await open(temporary, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (verify !== undefined) await verify(temporary);
      await mkdir(join(this.dir, 'sha256', expected.slice(0, 2)), { recursive: true });
      // Same name, same bytes: replacing an existing copy is harmless.
      await rename(temporary, finalPath);
      return { sha256: expected, size };
    } finally {
      await rm(temporary, { force: true });
    }
  }
}
