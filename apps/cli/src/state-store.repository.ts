import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UpkeepError } from '@upkeep/errors';
import type { EffectiveGlobal } from '@upkeep/policy';
import {
  MemoryCacheStore,
  SqliteCacheStore,
  nodeFileSystem,
  type CacheStore,
  type RateLimitSnapshot,
} from '@upkeep/sources';

/** Where discovery keeps what it learnt between runs. */
export interface StateLocation {
  readonly directory: string;
  /** The SQLite file holding the seed's `version_cache` table (the agent's state file by default). */
  readonly database: string;
}

const RATE_LIMITS_FILE = 'rate-limits.json';

function expandHome(path: string, home: string | undefined): string {
  return path === '~' || path.startsWith('~/') ? join(home ?? '/', path.slice(1)) : path;
}

/**
 * `--state-dir`, else UPKEEP_STATE_DIR, else the folder of `global.state_db.path`; the
 * cache lives in that folder under the state file's name, so the CLI and the agent of a
 * host share one `version_cache`.
 */
export function stateLocation(
  global: EffectiveGlobal,
  options: {
    readonly stateDir?: string | undefined;
    readonly cwd: string;
    readonly home: string | undefined;
  },
): StateLocation {
  const statePath = resolve(options.cwd, expandHome(global.state_db.path, options.home));
  const directory =
    options.stateDir === undefined ? dirname(statePath) : resolve(options.cwd, options.stateDir);
  return { directory, database: join(directory, basename(statePath)) };
}

function errnoOf(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Opens the persistent cache: the SQLite store in the state directory (created when
 * missing), or a memory store when `cache.enabled` is false.
 * @throws UpkeepError PERMISSION_DENIED / STATE_CORRUPT naming the path and `--state-dir`.
 */
export async function openCacheStore(
  location: StateLocation,
  enabled: boolean,
): Promise<CacheStore & { close(): void }> {
  if (!enabled) return Object.assign(new MemoryCacheStore(), { close: () => undefined });
  try {
    await mkdir(location.directory, { recursive: true });
  } catch (error) {
    const code = errnoOf(error);
    throw new UpkeepError(
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'PERMISSION_DENIED' : 'INPUT_INVALID',
      `cannot create the state directory ${location.directory} (${code ?? 'error'}): ${(error as Error).message}`,
      {
        details: { path: location.directory },
        hint: 'pass --state-dir DIR (or set UPKEEP_STATE_DIR) to a directory this user may write, or set global.state_db.path',
        cause: error,
      },
    );
  }
  try {
    return SqliteCacheStore.open(location.database);
  } catch (error) {
    const message = (error as Error).message;
    const permission = /readonly|permission|unable to open/i.test(message);
    throw new UpkeepError(
      permission ? 'PERMISSION_DENIED' : 'STATE_CORRUPT',
      `cannot open the cache database ${location.database}: ${message}`,
      {
        details: { path: location.database },
        hint: permission
          ? 'pass --state-dir DIR (or set UPKEEP_STATE_DIR) to a directory this user may write'
          : 'move the file away (it only holds cached upstream answers) and run again',
        cause: error,
      },
    );
  }
}

/** What an upstream said about its rate limit, as kept between runs. */
interface StoredRateLimit {
  readonly limit: number | null;
  readonly remaining: number;
  readonly reset_at: string;
}

/**
 * Rate-limit snapshots of earlier runs (upstream base URL → snapshot), so a run that
 * starts after the budget fell below the threshold goes to the cache without asking.
 * A missing or unreadable file is no knowledge, not an error.
 */
export async function readRateLimits(location: StateLocation): Promise<Map<string, RateLimitSnapshot>> {
  const snapshots = new Map<string, RateLimitSnapshot>();
  let data: unknown;
  try {
    data = JSON.parse(await readFile(join(location.directory, RATE_LIMITS_FILE), 'utf8'));
  } catch {
    return snapshots;
  }
  if (typeof data !== 'object' || data === null) return snapshots;
  for (const [upstream, value] of Object.entries(data as Record<string, unknown>)) {
    const v = value as Partial<Record<keyof StoredRateLimit, unknown>> | null;
    const resetAt = typeof v?.reset_at === 'string' ? Date.parse(v.reset_at) : Number.NaN;
    if (typeof v?.remaining !== 'number' || !Number.isFinite(resetAt)) continue;
    snapshots.set(upstream, {
      limit: typeof v.limit === 'number' ? v.limit : null,
      remaining: v.remaining,
      resetAt,
    });
  }
  return snapshots;
}

/** Keeps the snapshots whose window has not reset, written atomically. */
export async function writeRateLimits(
  location: StateLocation,
  snapshots: ReadonlyMap<string, RateLimitSnapshot>,
  now: number,
): Promise<void> {
  const kept: Record<string, StoredRateLimit> = {};
  for (const [upstream, s] of snapshots) {
    if (s.resetAt <= now) continue;
    kept[upstream] = { limit: s.limit, remaining: s.remaining, reset_at: new Date(s.resetAt).toISOString() };
  }
  await nodeFileSystem.writeFileAtomic(
    join(location.directory, RATE_LIMITS_FILE),
    `${JSON.stringify(kept, null, 2)}\n`,
  );
}
