import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readInputFile } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import {
  loadPolicyConfig,
  parseLockFile,
  readOsvRecord,
  renderLockFile,
  type LockFile,
  type OsvRecord,
  type PolicyConfig,
  type ReleaseNote,
} from '@upkeep/policy';
import { nodeFileSystem } from '@upkeep/sources';
import type { ReleaseInput } from '@upkeep/versioning';

/** Reads and validates versions.yaml. */
export async function readPolicyConfig(path: string): Promise<PolicyConfig> {
  return loadPolicyConfig(await readInputFile(path, 'config'), path);
}

/** Reads versions.lock, or undefined when the file does not exist. */
export async function readLockFileIfPresent(path: string): Promise<LockFile | undefined> {
  try {
    return parseLockFile(await readInputFile(path, 'lock'), path);
  } catch (error) {
    if (
      error instanceof UpkeepError &&
      error.code === 'INPUT_INVALID' &&
      /does not exist/.test(error.message)
    ) {
      return undefined;
    }
    throw error;
  }
}

/** Writes versions.lock atomically (temporary file, fsync, rename): readers see the old or the new file. */
export async function writeLockFile(path: string, lock: LockFile): Promise<void> {
  const text = renderLockFile(lock);
  try {
    await nodeFileSystem.writeFileAtomic(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UpkeepError(
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'PERMISSION_DENIED' : 'INPUT_INVALID',
      `cannot write the lock file ${path}: ${(error as Error).message}`,
      { details: { path }, hint: 'pass --lock FILE in a folder this user may write', cause: error },
    );
  }
}

function parseJson(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UpkeepError(
      'INPUT_INVALID',
      `${what} file ${path} is not valid JSON: ${(error as Error).message}`,
      {
        details: { path },
      },
    );
  }
}

/** Reads a JSON list of releases: `[{ "version", "published_at", "prerelease" }]`. */
export async function readReleasesFile(path: string): Promise<ReleaseInput[]> {
  const data = parseJson(await readInputFile(path, 'releases'), path, 'releases');
  if (!Array.isArray(data)) {
    throw new UpkeepError('INPUT_INVALID', `releases file ${path} must hold a JSON array of releases`, {
      details: { path },
      hint: 'write [{ "version": "1.7.0", "published_at": "2024-01-15T00:00:00Z", "prerelease": false }]',
    });
  }
  return data.map((entry: unknown, index) => {
    const item = entry as Partial<Record<'version' | 'tag' | 'published_at' | 'prerelease', unknown>> | null;
    const version = item?.version ?? item?.tag;
    if (typeof version !== 'string') {
      throw new UpkeepError(
        'INPUT_INVALID',
        `releases file ${path}: entry [${index}] has no string "version"`,
        {
          details: { path, index },
        },
      );
    }
    const publishedAt = item?.published_at;
    return {
      version,
      published_at: typeof publishedAt === 'string' ? publishedAt : null,
      prerelease: item?.prerelease === true,
    };
  });
}

/**
 * Reads OSV advisories from a file (one record, an array, or `{ "vulns": [...] }`
 * as the OSV API answers) or from every `*.json` file of a directory.
 */
export async function readAdvisories(path: string): Promise<OsvRecord[]> {
  let files: string[];
  try {
    const entries = await readdir(path, { withFileTypes: true });
    files = entries
      .filter((e) => e.isFile() && e.name.endsWith('.json'))
      .map((e) => join(path, e.name))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UpkeepError('INPUT_INVALID', `advisories path ${path} does not exist`, {
          details: { path },
        });
      }
      throw error;
    }
    files = [path];
  }
  const records: OsvRecord[] = [];
  for (const file of files) {
    const data = parseJson(await readInputFile(file, 'advisory'), file, 'advisory');
    const list: unknown[] = Array.isArray(data)
      ? data
      : typeof data === 'object' && data !== null && Array.isArray((data as { vulns?: unknown }).vulns)
        ? (data as { vulns: unknown[] }).vulns
        : [data];
    list.forEach((record, index) => records.push(readOsvRecord(record, `${file}[${index}]`)));
  }
  return records;
}

/**
 * Reads release notes: a JSON list `[{ "version", "body" }]`, or any other text
 * taken as the notes of `targetVersion`.
 */
export async function readReleaseNotes(path: string, targetVersion: string): Promise<ReleaseNote[]> {
  const text = await readInputFile(path, 'release notes');
  if (path.endsWith('.json')) {
    const data = parseJson(text, path, 'release notes');
    if (!Array.isArray(data)) {
      throw new UpkeepError(
        'INPUT_INVALID',
        `release notes file ${path} must hold a JSON array of { version, body }`,
        {
          details: { path },
        },
      );
    }
    return data.map((entry: unknown, index) => {
      const item = entry as { version?: unknown; body?: unknown } | null;
      if (typeof item?.version !== 'string' || typeof item.body !== 'string') {
        throw new UpkeepError(
          'INPUT_INVALID',
          `release notes file ${path}: entry [${index}] needs string "version" and "body"`,
          {
            details: { path, index },
          },
        );
      }
      return { version: item.version, body: item.body };
    });
  }
  return [{ version: targetVersion, body: text }];
}
