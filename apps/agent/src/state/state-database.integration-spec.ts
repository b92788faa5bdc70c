import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { StateDatabase, STATE_SCHEMA_VERSION } from './state-database.repository.ts';
import { STATE_MIGRATIONS } from './state-migrations.ts';
import { InstalledComponentsRepository } from './installed-components.repository.ts';
import { UpgradeHistoryRepository } from './upgrade-history.repository.ts';
import { RollbackPointsRepository } from './rollback-points.repository.ts';
import { FailedVersionsRepository } from './failed-versions.repository.ts';
import { JournalRepository } from './journal.repository.ts';
import { VersionCacheRepository } from './version-cache.repository.ts';
import { BreakingChangesRepository } from './breaking-changes.repository.ts';
import { CompatibilityMatrixRepository } from './compatibility-matrix.repository.ts';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upkeep-state-'));
  path = join(dir, 'nested', 'state.db');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isUpkeepError(error) ? error.code : `not an UpkeepError: ${String(error)}`;
  }
  return 'no error';
}

describe('StateDatabase', () => {
  it('creates the seed tables, the crash-safety tables and the fleet job table in WAL mode at the current schema version', () => {
    const db = StateDatabase.open(path);
    expect(db.schemaVersion()).toBe(STATE_SCHEMA_VERSION);
    expect(db.get('PRAGMA journal_mode')?.journal_mode).toBe('wal');
    const tables = db
      .all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .map((r) => r.name);
    expect(tables).toEqual([
      'breaking_changes',
      'compatibility_matrix',
      'failed_versions',
      'fleet_jobs',
      'installed_components',
      'journal',
      'rollback_points',
      'upgrade_history',
      'version_cache',
    ]);
    const historyColumns = db.all("SELECT name FROM pragma_table_info('upgrade_history')").map((r) => r.name);
    expect(historyColumns).toEqual(expect.arrayContaining(['downtime_seconds', 'downtime_ms', 'changelog']));
    // version_cache comes from libs/sources' ensureVersionCacheTable: the seed's columns and indexes.
    expect(db.all("SELECT name FROM pragma_table_info('version_cache')").map((r) => r.name)).toEqual([
      'id',
      'component',
      'cache_key',
      'cache_value',
      'cached_at',
      'ttl',
      'expires_at',
    ]);
    expect(
      db
        .all(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'version_cache' AND sql IS NOT NULL ORDER BY name",
        )
        .map((r) => r.name),
    ).toEqual(['idx_cache_expires', 'idx_cache_lookup']);
    db.close();
  });

  it('migrates a version-1 file in place, keeping its rows', () => {
    const v1 = StateDatabase.open(
      path,
      STATE_MIGRATIONS.filter((m) => m.version === 1),
    );
    expect(v1.schemaVersion()).toBe(1);
    v1.transaction(() =>
      v1.run(
        `INSERT INTO upgrade_history (component, from_version, to_version, upgraded_at, success, downtime_seconds)
         VALUES ('node_exporter', '1.6.0', '1.7.0', '2024-01-15T10:30:00Z', 1, 3)`,
      ),
    );
    v1.close();

    const db = StateDatabase.open(path);
    expect(db.schemaVersion()).toBe(STATE_SCHEMA_VERSION);
    const [record] = new UpgradeHistoryRepository(db).list({ component: 'node_exporter' });
    expect(record).toMatchObject({
      fromVersion: '1.6.0',
      toVersion: '1.7.0',
      success: true,
      downtimeMs: 3000,
    });
    db.close();
  });

  it('refuses a file written by a newer schema', () => {
    StateDatabase.open(path).close();
    const raw = new DatabaseSync(path);
    raw.exec('PRAGMA user_version = 99');
    raw.close();
    expect(codeOf(() => StateDatabase.open(path))).toBe('STATE_CORRUPT');
  });

  it('reports a file that is not a database as STATE_CORRUPT', () => {
    StateDatabase.open(path).close();
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    writeFileSync(path, 'this is not sqlite, it is a text file that got in the way'.repeat(100));
    expect(codeOf(() => StateDatabase.open(path))).toBe('STATE_CORRUPT');
  });

  it('rolls back every write of a failed transaction and refuses writes outside one', () => {
    const db = StateDatabase.open(path);
    const history = new UpgradeHistoryRepository(db);
    expect(() =>
      db.transaction(() => {
        history.append(record('a'));
        throw new Error('crash between two writes');
      }),
    ).toThrow('crash between two writes');
    expect(history.list()).toEqual([]);
    expect(codeOf(() => db.run("DELETE FROM journal WHERE step = 'x'"))).toBe('INTERNAL');
    db.close();
  });

  it('binds values: hostile text is stored as text', () => {
    const db = StateDatabase.open(path);
    const installed = new InstalledComponentsRepository(db);
    const name = "x'); DROP TABLE installed_components; --";
    installed.save({
      component: name,
      version: '1.0.0',
      installedAt: '2024-01-01T00:00:00.000Z',
      installMethod: 'manual',
      binaryPath: '/usr/local/bin/x',
      configPath: null,
      serviceName: null,
      checksum: 'ab',
      metadata: { note: 'it is fine' },
    });
    expect(installed.find(name)?.metadata).toEqual({ note: 'it is fine' });
    expect(installed.list()).toHaveLength(1);
    db.close();
  });
});

function record(component: string) {
  return {
    component,
    fromVersion: '1.0.0',
    toVersion: '1.1.0',
    upgradedAt: '2024-01-01T00:00:00.000Z',
    method: 'auto' as const,
    success: true,
    errorMessage: null,
    downtimeMs: 1234,
    rollbackPointId: null,
    changelog: null,
    operationId: 'op-1',
  };
}

describe('state repositories', () => {
  it('round-trips installed components, history, rollback points, failures, cache and journal', () => {
    const db = StateDatabase.open(path);
    const installed = new InstalledComponentsRepository(db);
    installed.save({
      component: 'node_exporter',
      version: '1.7.0',
      installedAt: '2024-01-15T10:30:00.000Z',
      installMethod: 'auto',
      binaryPath: '/usr/local/bin/node_exporter',
      configPath: '/etc/node_exporter/config.yaml',
      serviceName: 'node_exporter',
      checksum: 'aa',
      metadata: {},
    });
    installed.save({ ...installed.find('node_exporter')!, version: '1.8.0' });
    expect(installed.find('node_exporter')?.version).toBe('1.8.0');
    expect(installed.find('promtail')).toBeNull();

    const history = new UpgradeHistoryRepository(db);
    history.append(record('node_exporter'));
    history.append({ ...record('node_exporter'), upgradedAt: '2024-02-01T00:00:00.000Z', downtimeMs: 800 });
    expect(history.list({ component: 'node_exporter', limit: 1 })[0]?.downtimeMs).toBe(800);
    expect(history.successfulDowntimes('node_exporter')).toEqual([800, 1234]);
    expect(history.findByOperation('op-1')?.component).toBe('node_exporter');

    const points = new RollbackPointsRepository(db);
    const metadata = {
      component: 'node_exporter',
      version: '1.7.0',
      createdAt: '2024-01-15T10:30:00.000Z',
      binaryPath: '/usr/local/bin/node_exporter',
      binaryMode: 0o755,
      sha256: 'bb',
      configPath: null,
      configSha256: null,
      unitPath: null,
      unitSha256: null,
    };
    const id = points.insert({
      component: 'node_exporter',
      version: '1.7.0',
      createdAt: metadata.createdAt,
      expiresAt: null,
      binaryBackupPath: '/rb/binary',
      sha256: 'bb',
      configBackupPath: null,
      configSha256: null,
      unitBackupPath: null,
      unitSha256: null,
      sizeBytes: 10,
      metadata,
    });
    expect(points.find(id)?.metadata).toEqual(metadata);
    expect(points.list('node_exporter').map((p) => p.id)).toEqual([id]);
    points.delete(id);
    expect(points.find(id)).toBeNull();

    const failed = new FailedVersionsRepository(db);
    failed.record('node_exporter', '1.9.0', 'health check failed', '2024-03-01T00:00:00.000Z');
    const again = failed.record('node_exporter', '1.9.0', 'still failing', '2024-03-02T00:00:00.000Z');
    expect(again).toMatchObject({
      attempts: 2,
      firstFailedAt: '2024-03-01T00:00:00.000Z',
      reason: 'still failing',
    });
    failed.clear('node_exporter', '1.9.0');
    expect(failed.find('node_exporter', '1.9.0')).toBeNull();

    const cache = new VersionCacheRepository(db);
    const t0 = new Date('2024-01-01T00:00:00Z');
    cache.put('node_exporter', 'releases', '[]', 900, t0);
    expect(cache.get('node_exporter', 'releases', new Date(t0.getTime() + 899_000))?.value).toBe('[]');
    expect(cache.get('node_exporter', 'releases', new Date(t0.getTime() + 900_000))).toBeNull();
    expect(cache.purgeExpired(new Date(t0.getTime() + 901_000))).toBe(1);

    const journal = new JournalRepository(db);
    const base = {
      operationId: 'op-2',
      kind: 'upgrade' as const,
      component: 'node_exporter',
      fromVersion: '1.8.0',
      toVersion: '1.9.0',
      data: {},
      createdAt: '2024-04-01T00:00:00.000Z',
    };
    journal.append({ ...base, seq: 1, step: 'begin' });
    journal.append({ ...base, seq: 2, step: 'download', data: { url: 'http://x' } });
    expect(() => {
      journal.append({ ...base, seq: 2, step: 'verify' });
    }).toThrow();
    expect(journal.unfinished().map((e) => e.step)).toEqual(['download']);
    journal.append({ ...base, seq: 3, step: 'aborted' });
    expect(journal.unfinished()).toEqual([]);
    expect(journal.pruneFinished('2025-01-01T00:00:00.000Z')).toBe(3);
    db.close();
  });

  it("mirrors the config's breaking changes and compatibility rules", () => {
    const db = StateDatabase.open(path);
    const breaking = new BreakingChangesRepository(db);
    const change = {
      component: 'node_exporter',
      fromVersion: '1.5.0',
      toVersion: '2.0.0',
      changeType: 'flag_removal',
      description: 'Removed deprecated --collector.diskstats flag',
      migrationGuide: 'Use --collector.diskstats.ignored-devices instead',
      severity: 'high',
    };
    breaking.replaceSource(
      'manual',
      [change, { ...change, component: 'promtail' }],
      '2024-01-01T00:00:00.000Z',
    );
    breaking.replaceSource('manual', [change], '2024-01-02T00:00:00.000Z');
    expect(breaking.forComponent('node_exporter')).toEqual([{ ...change, source: 'manual' }]);
    expect(breaking.forComponent('promtail')).toEqual([]);

    const compat = new CompatibilityMatrixRepository(db);
    compat.replaceFor(
      'promtail',
      [
        {
          versionConstraint: '*',
          requiresComponent: 'loki',
          requiresVersionConstraint: '>=2.9.0',
          reason: null,
        },
      ],
      'now',
    );
    expect(compat.forComponent('promtail')).toEqual([
      {
        component: 'promtail',
        versionConstraint: '*',
        requiresComponent: 'loki',
        requiresVersionConstraint: '>=2.9.0',
        reason: null,
      },
    ]);
    db.close();
  });
});
