import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { StateDatabase } from '../state/state-database.repository.ts';
import { RollbackPointsRepository } from '../state/rollback-points.repository.ts';
import { RollbackPointService } from './rollback-point.service.ts';
import { RollbackStoreRepository } from './rollback-store.repository.ts';

let dir: string;
let db: StateDatabase;
let now: Date;
let service: RollbackPointService;
let binary: string;
let config: string;
let unit: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upkeep-rollback-'));
  db = StateDatabase.open(join(dir, 'state.db'));
  now = new Date('2024-01-01T00:00:00Z');
  service = new RollbackPointService({
    points: new RollbackPointsRepository(db),
    store: new RollbackStoreRepository(join(dir, 'rollback')),
    clock: () => now,
  });
  for (const sub of ['usr/local/bin', 'etc/node_exporter', 'etc/systemd/system'])
    mkdirSync(join(dir, sub), { recursive: true });
  binary = join(dir, 'usr/local/bin/node_exporter');
  config = join(dir, 'etc/node_exporter/config.yaml');
  unit = join(dir, 'etc/systemd/system/node_exporter.service');
  writeFileSync(binary, 'binary 1.7.0', { mode: 0o755 });
  writeFileSync(config, 'config 1.7.0');
  writeFileSync(unit, '[Service]\nExecStart=/usr/local/bin/node_exporter\n');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isUpkeepError(error) ? error.code : `other: ${String(error)}`;
  }
  return 'none';
}

const snapshot = (version = '1.7.0') =>
  service.create({
    component: 'node_exporter',
    version,
    binaryPath: binary,
    configPath: config,
    unitPath: unit,
  });

describe('RollbackPointService', () => {
  it('snapshots binary, config and unit with checksums and metadata.json, and records it', async () => {
    const point = await snapshot();
    expect(point.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(point.binaryBackupPath, 'utf8')).toBe('binary 1.7.0');
    expect(readFileSync(point.configBackupPath!, 'utf8')).toBe('config 1.7.0');
    expect(point.binaryBackupPath).toContain(join('rollback', 'node_exporter', '1.7.0'));
    const metadata = JSON.parse(
      readFileSync(join(dirname(point.binaryBackupPath), 'metadata.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      component: 'node_exporter',
      version: '1.7.0',
      sha256: point.sha256,
      binaryPath: binary,
    });
    expect(service.latest('node_exporter').id).toBe(point.id);
    expect(service.get('node_exporter', point.id).metadata.binaryMode & 0o777).toBe(0o755);
  });

  it('snapshots without a config or unit that does not exist', async () => {
    rmSync(config);
    const point = await service.create({
      component: 'node_exporter',
      version: '1.7.0',
      binaryPath: binary,
      configPath: config,
    });
    expect(point.configBackupPath).toBeNull();
  });

  it('restores every file by rename and says when the unit changed', async () => {
    const point = await snapshot();
    writeFileSync(binary, 'binary 1.8.0');
    writeFileSync(config, 'config 1.8.0');
    writeFileSync(unit, '[Service]\nExecStart=/usr/local/bin/node_exporter --new-flag\n');
    const outcome = await service.restore(point);
    expect(outcome.unitChanged).toBe(true);
    expect(readFileSync(binary, 'utf8')).toBe('binary 1.7.0');
    expect(readFileSync(config, 'utf8')).toBe('config 1.7.0');
    expect(statSync(binary).mode & 0o777).toBe(0o755);
    expect((await service.restore(point)).unitChanged).toBe(false);
  });

  it('refuses a corrupt point without touching the installed binary', async () => {
    const point = await snapshot();
    writeFileSync(binary, 'binary 1.8.0');
    writeFileSync(point.binaryBackupPath, 'tampered');
    expect(await codeOf(service.restore(point))).toBe('STATE_CORRUPT');
    expect(readFileSync(binary, 'utf8')).toBe('binary 1.8.0');
  });

  it('refuses a point whose files are gone, or an unknown id, without touching the installed binary', async () => {
    const point = await snapshot();
    writeFileSync(binary, 'binary 1.8.0');
    rmSync(dirname(point.binaryBackupPath), { recursive: true });
    expect(await codeOf(service.restore(point))).toBe('ROLLBACK_POINT_MISSING');
    expect(readFileSync(binary, 'utf8')).toBe('binary 1.8.0');
    expect(await codeOf(Promise.resolve().then(() => service.get('node_exporter', 999)))).toBe(
      'ROLLBACK_POINT_MISSING',
    );
    expect(await codeOf(Promise.resolve().then(() => service.latest('promtail')))).toBe(
      'ROLLBACK_POINT_MISSING',
    );
  });

  it('prunes by count, age and size, always keeping the newest and protected points', async () => {
    const points = [];
    for (let i = 0; i < 5; i += 1) {
      now = new Date(Date.UTC(2024, 0, 1 + i));
      points.push(await snapshot(`1.${String(i)}.0`));
    }
    now = new Date(Date.UTC(2024, 0, 6));
    const byCount = await service.prune(
      'node_exporter',
      { keepCount: 3, maxAgeDays: 365, maxTotalBytes: 1e9 },
      new Set([points[0]!.id]),
    );
    expect(byCount.map((p) => p.version)).toEqual(['1.1.0']);
    expect(existsSync(points[1]!.binaryBackupPath)).toBe(false);
    expect(service.list('node_exporter').map((p) => p.version)).toEqual(['1.4.0', '1.3.0', '1.2.0', '1.0.0']);

    now = new Date(Date.UTC(2024, 2, 1));
    const byAge = await service.prune('node_exporter', { keepCount: 10, maxAgeDays: 30, maxTotalBytes: 1e9 });
    expect(byAge.map((p) => p.version)).toEqual(['1.3.0', '1.2.0', '1.0.0']);
    expect(service.list('node_exporter').map((p) => p.version)).toEqual(['1.4.0']);

    now = new Date(Date.UTC(2024, 2, 2));
    await snapshot('1.5.0');
    const bySize = await service.prune('node_exporter', {
      keepCount: 10,
      maxAgeDays: 365,
      maxTotalBytes: 10,
    });
    expect(bySize.map((p) => p.version)).toEqual(['1.4.0']);
    expect(service.list('node_exporter').map((p) => p.version)).toEqual(['1.5.0']);
  });
});
