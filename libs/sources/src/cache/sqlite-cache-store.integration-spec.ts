import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCacheStore } from './sqlite-cache-store.repository.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-cache-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

const entry = {
  body: '{"releases":[]}',
  etag: 'W/"abc"',
  last_modified: 'Sat, 01 Jun 2024 00:00:00 GMT',
  fetched_at: Date.parse('2025-01-01T00:00:00Z'),
  ttl_seconds: 900,
};

describe('SqliteCacheStore', () => {
  it('keeps entries in the seed version_cache table across reopen', async () => {
    const path = tempDb();
    const store = SqliteCacheStore.open(path);
    await store.set({ component: 'node_exporter', key: 'releases' }, entry);
    store.close();

    const db = new DatabaseSync(path);
    const row = db
      .prepare('SELECT component, cache_key, cached_at, ttl, expires_at FROM version_cache')
      .get();
    expect(row).toEqual({
      component: 'node_exporter',
      cache_key: 'releases',
      cached_at: '2025-01-01 00:00:00',
      ttl: 900,
      expires_at: '2025-01-01 00:15:00',
    });
    const columns = db
      .prepare('PRAGMA table_info(version_cache)')
      .all()
      .map((c) => c['name']);
    expect(columns).toEqual([
      'id',
      'component',
      'cache_key',
      'cache_value',
      'cached_at',
      'ttl',
      'expires_at',
    ]);
    db.close();

    const reopened = SqliteCacheStore.open(path);
    expect(await reopened.get({ component: 'node_exporter', key: 'releases' })).toEqual(entry);
    reopened.close();
  });

  it('upserts on (component, cache_key), deletes, prunes, and is safe with hostile keys', async () => {
    const store = SqliteCacheStore.open(tempDb());
    const hostile = { component: "x'); DROP TABLE version_cache; --", key: "k' OR '1'='1" };
    await store.set(hostile, entry);
    await store.set(hostile, { ...entry, body: '{"v":2}' });
    expect((await store.get(hostile))?.body).toBe('{"v":2}');
    expect(await store.get({ component: 'x', key: 'k' })).toBeUndefined();

    await store.set({ component: 'old', key: 'k' }, { ...entry, fetched_at: entry.fetched_at - 200_000_000 });
    expect(store.prune(entry.fetched_at - 1000)).toBe(1);
    expect(await store.get({ component: 'old', key: 'k' })).toBeUndefined();

    await store.delete(hostile);
    expect(await store.get(hostile)).toBeUndefined();
    store.close();
  });

  it('treats a row it did not write as absent', async () => {
    const path = tempDb();
    const db = new DatabaseSync(path);
    const store = new SqliteCacheStore(db);
    db.prepare(
      "INSERT INTO version_cache (component, cache_key, cache_value, ttl) VALUES ('a', 'b', 'not json', 60)",
    ).run();
    expect(await store.get({ component: 'a', key: 'b' })).toBeUndefined();
    db.close();
  });
});
