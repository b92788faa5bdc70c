import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyConfig } from '@upkeep/policy';
import {
  checksumFile,
  sha256Hex,
  startUpstream,
  tarGz,
  type Upstream,
} from '../../../../test/support/upstream/index.ts';
import { StateDatabase } from '../state/state-database.repository.ts';
import { createReleaseResolver } from './release-resolver.repository.ts';

let upstream: Upstream;
let dir: string;
const archive = tarGz([{ path: 'x-1.1.0.linux-amd64/x', content: '#!/bin/sh\n' }]);
const asset = 'x-1.1.0.linux-amd64.tar.gz';

beforeAll(async () => {
  upstream = await startUpstream({
    github: {
      'acme/x': [
        {
          tag: 'v1.1.0',
          body: '* [CHANGE] removed --old',
          published_at: '2026-09-01T00:00:00Z',
          assets: [
            { name: asset, content: archive },
            { name: 'sha256sums.txt', content: checksumFile([{ name: asset, content: archive }]) },
          ],
        },
        { tag: 'v1.0.0', published_at: '2026-08-01T00:00:00Z', assets: [] },
      ],
    },
    osv: [
      {
        id: 'GHSA-x',
        summary: 'bad',
        affected: [
          {
            package: { ecosystem: 'Go', name: 'acme/x' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.1.0' }] }],
          },
        ],
      },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'upkeep-resolver-'));
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function resolverFor(extra: string) {
  const stateDbPath = join(dir, `${String(Math.random()).slice(2)}.db`);
  StateDatabase.open(stateDbPath).close();
  const config = loadPolicyConfig(
    `global:
  github_api: { base_url: "${upstream.url}" }
  advisories: { osv_url: "${upstream.url}" }
components:
  x:
    github_repo: acme/x
    constraints: { architecture: linux-amd64 }
    download: { archive_pattern: "x-{VERSION}.linux-amd64.tar.gz", checksum_file: sha256sums.txt }
${extra}`,
    'versions.yaml',
  );
  const warnings: string[] = [];
  return {
    resolver: createReleaseResolver({
      config,
      environment: undefined,
      configDir: dir,
      stateDbPath,
      warn: (m) => warnings.push(m),
    }),
    warnings,
  };
}

describe('the ReleaseResolver over @upkeep/sources', () => {
  it('lists releases and gives the asset, size and sha256 from the checksum file', async () => {
    const { resolver } = resolverFor('');
    try {
      const catalog = await resolver.listReleases('x');
      expect(catalog.releases.map((r) => [r.tag, r.version])).toEqual([
        ['v1.1.0', '1.1.0'],
        ['v1.0.0', '1.0.0'],
      ]);
      expect(catalog.staleReason).toBeNull();
      const details = await resolver.releaseDetails('x', '1.1.0');
      expect(details).toMatchObject({
        tag: 'v1.1.0',
        version: '1.1.0',
        fileName: asset,
        size: archive.length,
        sha256: sha256Hex(archive),
        checksumSource: 'checksum file sha256sums.txt',
        signature: null,
        notes: '* [CHANGE] removed --old',
        publishedAt: '2026-09-01T00:00:00.000Z',
      });
      expect(details.assetUrl).toBe(`${upstream.url}/gh-download/acme/x/v1.1.0/${asset}`);
      await expect(resolver.releaseDetails('x', '9.9.9')).rejects.toMatchObject({
        code: 'UPSTREAM_NOT_FOUND',
      });
      expect(await resolver.advisories('x')).toBeUndefined();
    } finally {
      resolver.close();
    }
  });

  it('queries OSV for a component that names its package', async () => {
    const { resolver } = resolverFor('    advisories: { ecosystem: Go, package: acme/x }\n');
    try {
      const records = await resolver.advisories('x');
      expect(records?.map((r) => r.id)).toEqual(['GHSA-x']);
    } finally {
      resolver.close();
    }
  });
});
