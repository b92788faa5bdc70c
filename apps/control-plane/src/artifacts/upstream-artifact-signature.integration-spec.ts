import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createMessage, generateKey, readKey, readPrivateKey, sign } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '@upkeep/agent-client';
import {
  checksumFile,
  sha256Hex,
  startUpstream,
  tarGz,
  type Upstream,
  type UpstreamAsset,
  type UpstreamRelease,
} from '../../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent } from '../testing/test-agent.ts';
import { ArtifactRepository } from './artifact.repository.ts';

interface KeyPair {
  readonly publicKey: string;
  readonly privateKey: string;
}

function archiveOf(version: string): Buffer {
  return tarGz([{ path: `signed-${version}/signed`, content: `#!/bin/sh\necho ${version}\n` }]);
}

const assetName = (version: string): string => `signed-${version}.linux-amd64.tar.gz`;

async function detachedSignature(key: KeyPair, data: Uint8Array): Promise<string> {
  const signingKeys = await readPrivateKey({ armoredKey: key.privateKey });
  const message = await createMessage({ binary: data });
  const signed: unknown = await sign({ message, signingKeys, detached: true, format: 'armored' });
  if (typeof signed !== 'string') throw new Error('openpgp returned no armored signature');
  return signed;
}

/** A release with its archive, a sha256sums.txt for it, and `signature` as `<asset>.asc` when given. */
function release(version: string, signature: string | null): UpstreamRelease {
  const name = assetName(version);
  const archive = archiveOf(version);
  const assets: UpstreamAsset[] = [
    { name, content: archive },
    { name: 'sha256sums.txt', content: checksumFile([{ name, content: archive }]) },
  ];
  if (signature !== null) assets.push({ name: `${name}.asc`, content: signature });
  return { tag: `v${version}`, published_at: '2025-01-01T00:00:00Z', assets };
}

function policyYaml(upstreamUrl: string): string {
  const component = (name: string, key: string): string => `  ${name}:
    strategy: latest
    github_repo: acme/signed
    download:
      archive_pattern: "signed-{VERSION}.linux-{ARCH}.tar.gz"
      checksum_file: sha256sums.txt
      gpg_signature: true
      signature_key: ${key}
`;
  return `global:
  github_api:
    base_url: ${upstreamUrl}
components:
${component('signed', 'keys/publisher.asc')}${component('keyless', 'keys/missing.asc')}${component('fetched_key', `${upstreamUrl}/publisher.asc`)}`;
}

describe('artifacts fetched from upstream with a required OpenPGP signature', () => {
  let upstream: Upstream;
  let dir: string;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let operator = '';
  let agent: AgentIdentity;
  let publisher: KeyPair;
  let publisherFingerprint = '';
  let hostId = '';

  const createJob = async (
    component: string,
    targetVersion: string,
  ): Promise<{ status: number; body: { error?: { code: string; message: string; hint?: string } } }> => {
    const response = await fetch(`${controlPlane.httpUrl}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hostId, kind: 'upgrade', component, targetVersion }),
    });
    return { status: response.status, body: (await response.json()) as never };
  };

  const auditOf = async (
    action: string,
  ): Promise<{ version: string | null; details: Record<string, unknown> }[]> => {
    const response = await fetch(`${controlPlane.httpUrl}/api/audit?action=${action}`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(response.status).toBe(200);
    return (
      (await response.json()) as { items: { version: string | null; details: Record<string, unknown> }[] }
    ).items;
  };

  /** Nothing under the digest, and no temporary file left behind. */
  const expectNothingStored = async (version: string): Promise<void> => {
    const digest = sha256Hex(archiveOf(version));
    expect(await controlPlane.app.get(ArtifactRepository).find(digest)).toBeNull();
    const leftovers = await readdir(join(environment.config().artifactDir, 'tmp')).catch(() => []);
    expect(leftovers).toEqual([]);
  };

  beforeAll(async () => {
    const keyOptions = { type: 'ecc', curve: 'curve25519Legacy', format: 'armored' } as const;
    publisher = await generateKey({ ...keyOptions, userIDs: [{ name: 'Publisher' }] });
    const stranger = await generateKey({ ...keyOptions, userIDs: [{ name: 'Stranger' }] });
    publisherFingerprint = (await readKey({ armoredKey: publisher.publicKey })).getFingerprint();
    const signed = (version: string, key: KeyPair, data = archiveOf(version)): Promise<string> =>
      detachedSignature(key, data);
    upstream = await startUpstream({
      github: {
        'acme/signed': [
          // 1.6.0 and 1.5.0 are put in the store before a job asks for them (an upload, or a fetch
          // from before gpg_signature was turned on): they are checked in place.
          release('1.6.0', await signed('1.6.0', stranger)),
          release('1.5.0', await signed('1.5.0', publisher)),
          // Listed, but the download answers 404 (see faults).
          release('1.4.0', await signed('1.4.0', publisher)),
          release('1.3.0', null),
          // By the publisher, over other bytes: the signature does not match this archive.
          release('1.2.0', await signed('1.2.0', publisher, Buffer.from('other bytes'))),
          release('1.1.0', await signed('1.1.0', stranger)),
          release('1.0.0', await signed('1.0.0', publisher)),
        ],
      },
      files: { '/publisher.asc': publisher.publicKey },
      faults: [
        { kind: 'status', status: 404, match: `/gh-download/acme/signed/v1.4.0/${assetName('1.4.0')}.asc` },
      ],
    });
    dir = await mkdtemp(join(tmpdir(), 'upkeep-artifact-sig-'));
    // Relative to the folder of versions.yaml, as the docs say.
    await mkdir(join(dir, 'keys'));
    await writeFile(join(dir, 'keys', 'publisher.asc'), publisher.publicKey);
    const policyFile = join(dir, 'versions.yaml');
    await writeFile(policyFile, policyYaml(upstream.url));
    environment = await createTestEnvironment({
      extraEnv: { UPKEEP_POLICY_FILE: policyFile, UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600' },
    });
    controlPlane = await environment.start();
    operator = (
      await controlPlane.app
        .get(ApiTokenService)
        .create('o', 'operator', null, { type: 'system', id: 'test' })
    ).token;
    agent = await enrollTestAgent(environment, controlPlane);
    hostId = randomUUID();
    const db = await connectToSchema(environment.schema.target);
    try {
      await db.query(
        `INSERT INTO hosts (id, hostname, os, arch, agent_version, enrolled_at)
         VALUES ($1, 'web-2', 'linux', 'amd64', '0.1.0', now())`,
        [hostId],
      );
    } finally {
      await db.end();
    }
  });

  afterAll(async () => {
    await environment.cleanup();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores and serves an artifact whose signature verifies with the pinned key, and audits the key', async () => {
    const expected = sha256Hex(archiveOf('1.0.0'));
    const created = await createJob('signed', '1.0.0');
    expect(created).toMatchObject({ status: 201, body: { artifact: { sha256: expected } } });
    expect(upstream.requests.count((request) => request.path.endsWith(`${assetName('1.0.0')}.asc`))).toBe(1);
    const served = await fetch(`${controlPlane.httpUrl}/artifacts/sha256/${expected}`, {
      headers: { authorization: `Bearer ${agent.credential}` },
    });
    expect(served.status).toBe(200);
    expect(sha256Hex(new Uint8Array(await served.arrayBuffer()))).toBe(expected);
    const fetched = (await auditOf('artifact.fetched')).find((event) => event.version === '1.0.0');
    expect(fetched?.details).toMatchObject({
      component: 'signed',
      asset: assetName('1.0.0'),
      signature: { fingerprint: publisherFingerprint },
    });
  });

  it('refuses a signature made by a key that is not pinned, storing nothing', async () => {
    const refused = await createJob('signed', '1.1.0');
    expect(refused.status).toBe(422);
    expect(refused.body.error?.code).toBe('SIGNATURE_INVALID');
    expect(refused.body.error?.message).toContain(`signed 1.1.0 (${assetName('1.1.0')})`);
    expect(refused.body.error?.message).toContain(publisherFingerprint);
    expect(refused.body.error?.hint).toContain('not stored');
    await expectNothingStored('1.1.0');
    const audited = (await auditOf('artifact.refused')).find((event) => event.version === '1.1.0');
    expect(audited?.details).toMatchObject({
      component: 'signed',
      code: 'SIGNATURE_INVALID',
      pinnedFingerprints: [publisherFingerprint],
    });
    // Remembered: asked again, upstream is not asked for the bytes a second time.
    expect((await createJob('signed', '1.1.0')).body.error?.code).toBe('SIGNATURE_INVALID');
    expect(upstream.requests.count((request) => request.path.endsWith(assetName('1.1.0')))).toBe(1);
  });

  it('refuses a signature that does not match the artifact, storing nothing', async () => {
    const refused = await createJob('signed', '1.2.0');
    expect(refused).toMatchObject({ status: 422, body: { error: { code: 'SIGNATURE_INVALID' } } });
    expect(refused.body.error?.message).toMatch(/signature of signed 1\.2\.0 .* is not valid: /);
    await expectNothingStored('1.2.0');
  });

  it('refuses a release without its signature before downloading the asset', async () => {
    const missing = await createJob('signed', '1.3.0');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'ASSET_NOT_FOUND' } } });
    expect(missing.body.error?.message).toContain(`${assetName('1.3.0')}.asc`);
    expect(upstream.requests.count((request) => request.path.endsWith(assetName('1.3.0')))).toBe(0);
    await expectNothingStored('1.3.0');
  });

  it('refuses when the listed signature cannot be downloaded, storing nothing', async () => {
    const failed = await createJob('signed', '1.4.0');
    expect(failed.body.error?.code).toBe('DOWNLOAD_FAILED');
    expect(failed.body.error?.message).toContain(`cannot download its signature ${assetName('1.4.0')}.asc`);
    expect(failed.body.error?.message).toContain('404');
    expect(upstream.requests.count((request) => request.path.endsWith(assetName('1.4.0')))).toBe(0);
    await expectNothingStored('1.4.0');
  });

  it('names download.signature_key when the key file is missing or is a URL', async () => {
    const missing = await createJob('keyless', '1.5.0');
    expect(missing.body.error?.code).toBe('CONFIG_NOT_FOUND');
    expect(missing.body.error?.message).toContain('components.keyless.download.signature_key');
    expect(missing.body.error?.message).toContain(join(dir, 'keys', 'missing.asc'));
    const url = await createJob('fetched_key', '1.5.0');
    expect(url).toMatchObject({ status: 400, body: { error: { code: 'CONFIG_INVALID' } } });
    expect(url.body.error?.message).toContain('must be a file path, got a URL');
    expect(upstream.requests.count('/publisher.asc')).toBe(0);
    await expectNothingStored('1.5.0');
  });

  it('checks an artifact already in the store before serving it for a component that requires a signature', async () => {
    const store = controlPlane.app.get(ArtifactRepository);
    for (const version of ['1.5.0', '1.6.0']) {
      const bytes = archiveOf(version);
      await store.store(Readable.from([bytes]), sha256Hex(bytes), bytes.length);
    }
    expect(await createJob('signed', '1.5.0')).toMatchObject({
      status: 201,
      body: { artifact: { sha256: sha256Hex(archiveOf('1.5.0')) } },
    });
    const verified = (await auditOf('artifact.signature_verified')).find(
      (event) => event.version === '1.5.0',
    );
    expect(verified?.details).toMatchObject({ signature: { fingerprint: publisherFingerprint } });

    const refused = await createJob('signed', '1.6.0');
    expect(refused).toMatchObject({ status: 422, body: { error: { code: 'SIGNATURE_INVALID' } } });
    expect((await auditOf('artifact.refused')).map((event) => event.version)).toContain('1.6.0');
    // Neither was downloaded from upstream: the stored bytes were checked.
    for (const version of ['1.5.0', '1.6.0'])
      expect(upstream.requests.count((request) => request.path.endsWith(assetName(version)))).toBe(0);
  });
});
