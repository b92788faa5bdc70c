import { describe, expect, it } from 'vitest';
import { parseRegistryIndex, registryIndexLocation } from './registry-index.ts';

const sha = 'e'.repeat(64);

function parse(assetUrl: string, indexUrl = 'https://mirror.test/reg/tool/index.json') {
  return parseRegistryIndex(
    JSON.stringify({
      schema: 1,
      component: 'tool',
      future_field: true,
      releases: [
        {
          version: '1.0.0',
          assets: [{ name: 'tool.tar.gz', url: assetUrl, size: 3, sha256: sha.toUpperCase() }],
        },
      ],
    }),
    { indexUrl, component: 'tool', upstream: indexUrl },
  );
}

describe('registry index', () => {
  it('finds the index inside a directory or takes a .json location as is', () => {
    expect(registryIndexLocation('https://mirror.test/reg/tool')).toBe(
      'https://mirror.test/reg/tool/index.json',
    );
    expect(registryIndexLocation('https://mirror.test/reg/tool/')).toBe(
      'https://mirror.test/reg/tool/index.json',
    );
    expect(registryIndexLocation('https://mirror.test/reg/tool.json')).toBe(
      'https://mirror.test/reg/tool.json',
    );
    expect(registryIndexLocation('/srv/mirror/tool')).toBe('/srv/mirror/tool/index.json');
  });

  it('resolves relative URLs against the index, keeps absolute ones, lowercases hashes, ignores unknown fields', () => {
    expect(parse('1.0.0/tool.tar.gz')[0]?.assets[0]).toEqual({
      name: 'tool.tar.gz',
      url: 'https://mirror.test/reg/tool/1.0.0/tool.tar.gz',
      size: 3,
      sha256: sha,
    });
    expect(parse('https://cdn.test/tool.tar.gz')[0]?.assets[0]?.url).toBe('https://cdn.test/tool.tar.gz');
    expect(parse('1.0.0/tool.tar.gz', 'file:///srv/m/tool/index.json')[0]?.assets[0]?.url).toBe(
      'file:///srv/m/tool/1.0.0/tool.tar.gz',
    );
  });

  it.each(['/etc/passwd', '1.0.0/../../x', '1.0.0/%2e%2e/x', 'ftp://x.test/a'])(
    'refuses asset URL %s',
    (url) => {
      expect(() => parse(url)).toThrow(/registry directory|not allowed/);
    },
  );
});
