import { dirname } from 'node:path';
import { UpkeepError } from '@upkeep/errors';
import type { Clock } from '../common/clock.port.ts';
import { installFileAtomically, type FileOwner } from '../install/atomic-file.repository.ts';
import type { RollbackPointsRepository } from '../state/rollback-points.repository.ts';
import type { RollbackPoint, RollbackPointMetadata } from '../state/state.types.ts';
import type { RollbackStoreRepository } from './rollback-store.repository.ts';

export interface SnapshotInput {
  readonly component: string;
  readonly version: string;
  readonly binaryPath: string;
  readonly configPath?: string | null | undefined;
  readonly unitPath?: string | null | undefined;
  /** Called with the folder before anything is copied: the journal records it so a crash can clean it up. */
  readonly onFolder?: ((folder: string) => void) | undefined;
}

export interface RetentionPolicy {
  /** The seed's `retention_count` (default 3). */
  readonly keepCount: number;
  /** The seed's `retention_days` (default 30). */
  readonly maxAgeDays: number;
  /** The seed's `max_size_mb` (default 1000), for one component's points together. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  keepCount: 3,
  maxAgeDays: 30,
  maxTotalBytes: 1000 * 1024 * 1024,
};

export interface RestoreOutcome {
  /** The unit file on disk differed from the backup and was replaced: the service manager must reload. */
  readonly unitChanged: boolean;
}

/**
 * Rollback points: snapshot the current binary, config and unit file with
 * their sha256 and a metadata.json, restore them after verifying every
 * checksum, and prune them by count, age and size.
 */
export class RollbackPointService {
  readonly #points: RollbackPointsRepository;
  readonly #store: RollbackStoreRepository;
  readonly #clock: Clock;

  constructor(deps: { points: RollbackPointsRepository; store: RollbackStoreRepository; clock: Clock }) {
    this.#points = deps.points;
    this.#store = deps.store;
    this.#clock = deps.clock;
  }

  /** Copies the component's current files into a new rollback point and records it. */
  async create(input: SnapshotInput, retention: RetentionPolicy = DEFAULT_RETENTION): Promise<RollbackPoint> {
    const now = this.#clock();
    const folder = await this.#store.createFolder(input.component, input.version, now);
    input.onFolder?.(folder);
    try {
      const binary = await this.#store.copyIn(input.binaryPath, folder, 'binary');
      const config = input.configPath ? await this.#copyOptional(input.configPath, folder, 'config') : null;
      const unit = input.unitPath ? await this.#copyOptional(input.unitPath, folder, 'unit') : null;
      const metadata: RollbackPointMetadata = {
        component: input.component,
        version: input.version,
        createdAt: now.toISOString(),
        binaryPath: input.binaryPath,
        binaryMode: binary.mode,
        sha256: binary.sha256,
        configPath: config === null ? null : (input.configPath ?? null),
        configSha256: config?.sha256 ?? null,
        unitPath: unit === null ? null : (input.unitPath ?? null),
        unitSha256: unit?.sha256 ?? null,
      };
      await this.#store.writeMetadata(folder, metadata);
      const expiresAt = new Date(now.getTime() + retention.maxAgeDays * 86_400_000).toISOString();
      const point = {
        component: input.component,
        version: input.version,
        createdAt: metadata.createdAt,
        expiresAt,
        binaryBackupPath: binary.path,
        sha256: binary.sha256,
        configBackupPath: config?.path ?? null,
        configSha256: config?.sha256 ?? null,
        unitBackupPath: unit?.path ?? null,
        unitSha256: unit?.sha256 ?? null,
        sizeBytes: binary.size + (config?.size ?? 0) + (unit?.size ?? 0),
        metadata,
      };
      const id = this.#points.insert(point);
      return { id, ...point };
    } catch (error) {
      await this.#store.removeFolder(folder);
      throw error;
    }
  }

  /** The point, or ROLLBACK_POINT_MISSING when no such id is recorded for the component. */
  get(component: string, id: number): RollbackPoint {
    const point = this.#points.find(id);
    if (point?.component !== component) {
      throw new UpkeepError('ROLLBACK_POINT_MISSING', `no rollback point ${String(id)} for ${component}`, {
        details: { component, rollbackPointId: id },
        hint: `list them with: upkeep-agent rollback-points ${component}`,
      });
    }
    return point;
  }

  /** The component's newest rollback point, or ROLLBACK_POINT_MISSING. */
  latest(component: string): RollbackPoint {
    const [newest] = this.#points.list(component);
    if (newest === undefined) {
      throw new UpkeepError('ROLLBACK_POINT_MISSING', `${component} has no rollback point`, {
        details: { component },
        hint: 'a rollback point is made before each upgrade; there is nothing to roll back to',
      });
    }
    return newest;
  }

  list(component: string): RollbackPoint[] {
    return this.#points.list(component);
  }

  /** Checks every file of the point against its recorded sha256; throws before anything is touched. */
  async verify(point: RollbackPoint): Promise<void> {
    await this.#store.verifyFile(point.id, 'binary', point.binaryBackupPath, point.sha256);
    if (point.configBackupPath !== null && point.configSha256 !== null) {
      await this.#store.verifyFile(point.id, 'config', point.configBackupPath, point.configSha256);
    }
    if (point.unitBackupPath !== null && point.unitSha256 !== null) {
      await this.#store.verifyFile(point.id, 'unit file', point.unitBackupPath, point.unitSha256);
    }
  }

  /**
   * Puts the point's files back where they came from, each by atomic rename.
   * Verifies all of them first, so a damaged point changes nothing.
   */
  async restore(point: RollbackPoint, owner?: FileOwner): Promise<RestoreOutcome> {
    await this.verify(point);
    const meta = point.metadata;
    // A file that already is the backup is left alone: after a swap that never
    // happened (an unwritable folder, say) the restore must not fail the same way.
    if ((await this.#store.fileSha256(meta.binaryPath)) !== point.sha256) {
      await installFileAtomically(point.binaryBackupPath, {
        target: meta.binaryPath,
        mode: meta.binaryMode & 0o777,
        owner,
      });
    }
    if (
      point.configBackupPath !== null &&
      meta.configPath !== null &&
      (await this.#store.fileSha256(meta.configPath)) !== point.configSha256
    ) {
      await installFileAtomically(point.configBackupPath, { target: meta.configPath, mode: 0o644, owner });
    }
    let unitChanged = false;
    if (point.unitBackupPath !== null && meta.unitPath !== null) {
      unitChanged = (await this.#store.fileSha256(meta.unitPath)) !== point.unitSha256;
      if (unitChanged)
        await installFileAtomically(point.unitBackupPath, { target: meta.unitPath, mode: 0o644 });
    }
    return { unitChanged };
  }

  /**
   * Deletes the component's points past the retention policy: beyond `keepCount`,
   * older than `maxAgeDays`, or past `maxTotalBytes` together. The newest point
   * and `protectedIds` (points an unfinished operation needs) are always kept.
   */
  async prune(
    component: string,
    policy: RetentionPolicy,
    protectedIds: ReadonlySet<number> = new Set(),
  ): Promise<RollbackPoint[]> {
    const now = this.#clock().getTime();
    const points = this.#points.list(component);
    const doomed: RollbackPoint[] = [];
    let kept = 0;
    let bytes = 0;
    points.forEach((point, index) => {
      const age = now - Date.parse(point.createdAt);
      const tooMany = kept >= Math.max(policy.keepCount, 1);
      const tooOld = age > policy.maxAgeDays * 86_400_000;
      const tooBig = bytes + point.sizeBytes > policy.maxTotalBytes;
      if (index > 0 && !protectedIds.has(point.id) && (tooMany || tooOld || tooBig)) {
        doomed.push(point);
        return;
      }
      kept += 1;
      bytes += point.sizeBytes;
    });
    for (const point of doomed) {
      // Row first: a crash then leaves an orphan folder (harmless), never a row
      // pointing at files that are gone.
      this.#points.delete(point.id);
      await this.#store.removeFolder(dirname(point.binaryBackupPath));
    }
    return doomed;
  }

  async #copyOptional(path: string, folder: string, name: string) {
    try {
      return await this.#store.copyIn(path, folder, name);
    } catch (error) {
      // A config or unit that does not exist is not part of the snapshot.
      if ((error as { details?: { errno?: unknown } }).details?.errno === 'ENOENT') return null;
      throw error;
    }
  }
}
