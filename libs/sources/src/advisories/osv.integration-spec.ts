import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import { nodeFileSystem } from '../ports/file-system.repository.ts';
import { testKit } from '../testing/source-test-kit.ts';
import { queryOsv } from './osv-client.ts';
import { importOsvFiles } from './osv-import.ts';

let upstream: Upstream | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const NODE_EXPORTER = { ecosystem: 'Go', package: 'github.com/prometheus/node_exporter' };

function record(id: string, name = NODE_EXPORTER.package, modified = '2024-01-01T00:00:00Z') {
  return {
    schema_version: '1.6.0',
    id,
    modified,
    summary: `advisory ${id}`,
    affected: [
      {
        package: { ecosystem: 'Go', name },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.5.0' }] }],
      },
    ],
  };
}

describe('OSV query', () => {
  it('follows next_page_token and returns the raw records, cached afterwards', async () => {
    const records = ['GO-2024-0001', 'GO-2024-0002', 'GO-2024-0003', 'GO-2024-0004', 'GO-2024-0005'].map(
      (id) => record(id),
    );
    upstream = await startUpstream({
      osv: [...records, record('GO-2024-0999', 'github.com/other/pkg')],
      osvPageSize: 2,
    });
    const { ctx, clock } = testKit(upstream.url);

    const listing = await queryOsv('node_exporter', NODE_EXPORTER, ctx);
    expect(listing.records).toEqual(records);
    expect(listing.freshness.origin).toBe('network');
    expect(upstream.requests.list().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(
      Array(3).fill('POST /v1/query 200'),
    );

    upstream.requests.clear();
    expect((await queryOsv('node_exporter', NODE_EXPORTER, ctx)).freshness.origin).toBe('cache');
    clock.advance(1_000_000);
    const offline = await queryOsv('node_exporter', NODE_EXPORTER, ctx, { offline: true });
    expect(offline.freshness).toMatchObject({ origin: 'stale', stale_reason: 'offline' });
    expect(offline.records).toHaveLength(5);
    expect(upstream.requests.count()).toBe(0);
  });

  it('answers an empty list for a package without advisories, and refuses garbage', async () => {
    upstream = await startUpstream({ osv: [] });
    const { ctx } = testKit(upstream.url);
    expect((await queryOsv('node_exporter', NODE_EXPORTER, ctx)).records).toEqual([]);
    upstream.setFault({ kind: 'malformed', match: '/v1/' });
    const error = await queryOsv('other', { ecosystem: 'Go', package: 'x' }, ctx).catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_INVALID_RESPONSE');
  });
});

describe('OSV import', () => {
  it('reads single records, lists and query answers from a directory tree, filtered by package', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upkeep-osv-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'Go'));
    writeFileSync(join(dir, 'Go', 'GO-2024-0001.json'), JSON.stringify(record('GO-2024-0001')));
    writeFileSync(
      join(dir, 'list.json'),
      JSON.stringify([record('GO-2024-0002'), record('GO-2024-0003', 'github.com/other/pkg')]),
    );
    writeFileSync(
      join(dir, 'query.json'),
      JSON.stringify({ vulns: [record('GO-2024-0001', NODE_EXPORTER.package, '2025-01-01T00:00:00Z')] }),
    );
    writeFileSync(join(dir, 'README.md'), 'not json');

    const all = await importOsvFiles(dir, nodeFileSystem);
    expect(all.files).toBe(3);
    expect(all.records.map((r) => r.id).sort()).toEqual(['GO-2024-0001', 'GO-2024-0002', 'GO-2024-0003']);
    const mine = await importOsvFiles(dir, nodeFileSystem, { only: NODE_EXPORTER });
    expect(mine.records.map((r) => r.id).sort()).toEqual(['GO-2024-0001', 'GO-2024-0002']);
    expect(mine.records.find((r) => r.id === 'GO-2024-0001')?.['modified']).toBe('2025-01-01T00:00:00Z');

    const single = await importOsvFiles(join(dir, 'Go', 'GO-2024-0001.json'), nodeFileSystem);
    expect(single.records).toHaveLength(1);
  });

  it('names the file that is not OSV JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upkeep-osv-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'broken.json'), '{"id": ');
    const error = await importOsvFiles(dir, nodeFileSystem).catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('INPUT_INVALID');
    expect((error as Error).message).toContain('broken.json');
    writeFileSync(join(dir, 'broken.json'), '{"summary": "no id"}');
    await expect(importOsvFiles(dir, nodeFileSystem)).rejects.toThrow(/not an OSV record/);
  });
});
