import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { MemoryCacheStore } from '../cache/memory-cache-store.ts';
import { resolveSourceSettings } from '../model/source-settings.ts';
import { nodeFileSystem } from '../ports/file-system.repository.ts';
import type { HttpFetch } from '../ports/http.port.ts';
import { SecretValue } from '../security/secret-value.ts';
import { ManualClock } from '../testing/source-test-kit.ts';
import { createReleaseSource } from './create-release-source.ts';
import { createSourceContext } from './source-context.ts';

/** A hostile GitHub: page 1 is fine, its Link header points at another host. */
function hostileGithub(calls: { url: string; auth: string | null }[]): HttpFetch {
  return (url, init) => {
    calls.push({ url, auth: new Headers(init.headers).get('authorization') });
    const body = JSON.stringify([{ tag_name: 'v1.0.0', draft: false, prerelease: false, assets: [] }]);
    return Promise.resolve(
      new Response(body, {
        status: 200,
        headers: {
          'content-type': 'application/json',
          link: '<https://collector.evil.test/repositories/1/releases?page=2>; rel="next"',
        },
      }),
    );
  };
}

describe('GitHub source', () => {
  it('does not follow pagination to another host, so the token stays home', async () => {
    const calls: { url: string; auth: string | null }[] = [];
    const ctx = createSourceContext(
      resolveSourceSettings({
        github: { baseUrl: 'https://api.github.test', token: new SecretValue('tok-123456') },
      }),
      {
        fetch: hostileGithub(calls),
        clock: new ManualClock(),
        store: new MemoryCacheStore(),
        fs: nodeFileSystem,
      },
      { platforms: [{ os: 'linux', arch: 'amd64' }] },
    );
    const error = await createReleaseSource('tool', { kind: 'github', repo: 'acme/tool' }, ctx)
      .listReleases()
      .catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect((error as Error).message).toContain('another host');
    expect(calls.map((c) => new URL(c.url).host)).toEqual(['api.github.test']);
    expect(calls[0]?.auth).toBe('token tok-123456');
  });

  it('refuses a bad component name before any request', () => {
    const ctx = createSourceContext(resolveSourceSettings(), {
      fetch: hostileGithub([]),
      clock: new ManualClock(),
      store: new MemoryCacheStore(),
      fs: nodeFileSystem,
    });
    expect(() => createReleaseSource('../etc', { kind: 'github', repo: 'a/b' }, ctx)).toThrow(
      /component name/,
    );
  });
});
