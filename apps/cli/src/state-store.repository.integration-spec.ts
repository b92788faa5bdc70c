import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { GLOBAL_DEFAULTS } from '@upkeep/policy';
import { openCacheStore, readRateLimits, stateLocation, writeRateLimits } from './state-store.repository.ts';

const dir = mkdtempSync(join(tmpdir(), 'upkeep-state-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const withStatePath = (path: string) => ({
  ...GLOBAL_DEFAULTS,
  state_db: { ...GLOBAL_DEFAULTS.state_db, path },
});

describe('stateLocation', () => {
  it('uses the folder of state_db.path, or --state-dir with the same file name', () => {
    expect(stateLocation(withStatePath('/var/lib/upkeep/state.db'), { cwd: '/', home: '/root' })).toEqual({
      directory: '/var/lib/upkeep',
      database: '/var/lib/upkeep/state.db',
    });
    expect(
      stateLocation(withStatePath('/var/lib/upkeep/agent.db'), {
        stateDir: 'cache',
        cwd: '/work',
        home: undefined,
      }),
    ).toEqual({ directory: '/work/cache', database: '/work/cache/agent.db' });
    expect(
      stateLocation(withStatePath('~/.upkeep/state.db'), { cwd: '/', home: '/home/ops' }).directory,
    ).toBe('/home/ops/.upkeep');
  });
});

describe('openCacheStore', () => {
  it('creates the state directory and the SQLite file', async () => {
    const location = { directory: join(dir, 'a', 'b'), database: join(dir, 'a', 'b', 'state.db') };
    const store = await openCacheStore(location, true);
    await store.set(
      { component: 'x', key: 'k' },
      { body: '1', etag: null, last_modified: null, fetched_at: 1, ttl_seconds: 9 },
    );
    expect((await store.get({ component: 'x', key: 'k' }))?.body).toBe('1');
    store.close();
  });

  it('names the path and --state-dir when the directory cannot be made', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const error = await openCacheStore(
      { directory: join(file, 'sub'), database: join(file, 'sub', 's.db') },
      true,
    ).catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.message).toMatch(/cannot create the state directory .*a-file\/sub/);
    expect(isUpkeepError(error) && error.hint).toMatch(/--state-dir/);
  });

  it('calls a file that is not a database corrupt state, with what to do', async () => {
    const location = { directory: join(dir, 'bad'), database: join(dir, 'bad', 'state.db') };
    await openCacheStore({ ...location, database: join(dir, 'bad', 'other.db') }, true).then((s) => {
      s.close();
    });
    writeFileSync(
      location.database,
      'not sqlite at all, just text that is long enough to be read as a header',
    );
    const error = await openCacheStore(location, true).catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('STATE_CORRUPT');
  });
});

describe('rate-limit state', () => {
  it('round-trips snapshots whose window has not reset, and ignores garbage', async () => {
    const location = { directory: dir, database: join(dir, 'state.db') };
    const now = Date.now();
    await writeRateLimits(
      location,
      new Map([
        ['https://api.github.com (anonymous)', { limit: 60, remaining: 3, resetAt: now + 60_000 }],
        ['https://old.example (token)', { limit: 5000, remaining: 0, resetAt: now - 1 }],
      ]),
      now,
    );
    const read = await readRateLimits(location);
    expect([...read.keys()]).toEqual(['https://api.github.com (anonymous)']);
    expect(read.get('https://api.github.com (anonymous)')).toMatchObject({ limit: 60, remaining: 3 });
    writeFileSync(join(dir, 'rate-limits.json'), '{not json');
    expect((await readRateLimits(location)).size).toBe(0);
  });
});
