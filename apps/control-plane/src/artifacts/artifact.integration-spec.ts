import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadArtifact, type AgentIdentity } from '@upkeep/agent-client';
import { isUpkeepError } from '@upkeep/errors';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { HostService } from '../hosts/host.service.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, TEST_OPERATOR } from '../testing/test-agent.ts';

describe('artifact cache', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let operator = '';
  let viewer = '';
  let agent: AgentIdentity;
  const bytes = randomBytes(300_000);
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  const upload = (digest: string, body: Buffer, token: string): Promise<Response> =>
    fetch(`${controlPlane.httpUrl}/api/artifacts/sha256/${digest}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body,
    });
  const download = (digest: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${controlPlane.httpUrl}/artifacts/sha256/${digest}`, {
      headers: { authorization: `Bearer ${agent.credential}`, ...headers },
    });

  beforeAll(async () => {
    environment = await createTestEnvironment();
    controlPlane = await environment.start();
    const tokens = controlPlane.app.get(ApiTokenService);
    operator = (await tokens.create('op', 'operator', null, { type: 'system', id: 'test' })).token;
    viewer = (await tokens.create('view', 'viewer', null, { type: 'system', id: 'test' })).token;
    agent = await enrollTestAgent(environment, controlPlane);
  });

  afterAll(async () => {
    await environment.cleanup();
  });

  it('stores an upload only under the sha256 it hashes to', async () => {
    expect((await upload(sha256, bytes, viewer)).status).toBe(403);
    const wrong = await upload('0'.repeat(64), bytes, operator);
    expect(wrong.status).toBe(422);
    expect(await wrong.json()).toMatchObject({ error: { code: 'CHECKSUM_MISMATCH' } });
    expect(await readdir(join(environment.dir, 'artifacts', 'tmp'))).toEqual([]);

    const stored = await upload(sha256, bytes, operator);
    expect(stored.status).toBe(201);
    expect(await stored.json()).toEqual({ sha256, size: bytes.length, url: `/artifacts/sha256/${sha256}` });
    expect((await upload('not-hex', bytes, operator)).status).toBe(400);
  });

  it('serves it to an enrolled agent, whole or by Range', async () => {
    const whole = await download(sha256);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const body = Buffer.from(await whole.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(sha256);

    const part = await download(sha256, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);

    expect((await download('1'.repeat(64))).status).toBe(404);
    // fetch folds a literal "../" before sending (that path is the console's, not a file); sent encoded,
    // the traversal reaches the artifact route and must find nothing.
    const traversal = await download('..%2F..%2F..%2Fetc%2Fpasswd');
    expect(traversal.status).toBe(400);
    expect(await traversal.text()).not.toContain('root:');
    expect(await (await download('../../../etc/passwd')).text()).not.toContain('root:');
  });

  it('lets the agent client resume a partial download and verify the result', async () => {
    const destination = join(environment.dir, 'node_exporter.tar.gz');
    const url = `${controlPlane.httpUrl}/artifacts/sha256/${sha256}`;
    await writeFile(`${destination}.part`, bytes.subarray(0, 120_000));
    expect(await downloadArtifact({ url, sha256, credential: agent.credential, destination })).toEqual({
      bytes: bytes.length,
      resumedFrom: 120_000,
    });
    expect((await readFile(destination)).equals(bytes)).toBe(true);

    // A corrupt partial file is caught by the hash and thrown away.
    await writeFile(`${destination}.part`, randomBytes(1000));
    const error = await downloadArtifact({ url, sha256, credential: agent.credential, destination }).catch(
      (caught: unknown) => caught,
    );
    expect(isUpkeepError(error) && error.code).toBe('CHECKSUM_MISMATCH');
    expect((await readdir(environment.dir)).includes('node_exporter.tar.gz.part')).toBe(false);

    const refused = await downloadArtifact({ url, sha256, credential: 'upk_agent_nope', destination }).catch(
      (caught: unknown) => caught,
    );
    expect(isUpkeepError(refused) && refused.code).toBe('UPSTREAM_AUTH');
  });

  it('refuses a missing, unknown or revoked agent credential', async () => {
    expect((await fetch(`${controlPlane.httpUrl}/artifacts/sha256/${sha256}`)).status).toBe(401);
    expect(
      (
        await fetch(`${controlPlane.httpUrl}/artifacts/sha256/${sha256}`, {
          headers: { authorization: `Bearer upk_agent_${'z'.repeat(43)}` },
        })
      ).status,
    ).toBe(401);
    await controlPlane.app.get(HostService).revoke(agent.agentId, TEST_OPERATOR);
    expect((await download(sha256)).status).toBe(401);
  });
});
