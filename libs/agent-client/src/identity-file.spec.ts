import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { readIdentityFile, writeIdentityFile } from './identity-file.ts';

const identity = {
  agentId: 'a1',
  credential: 'upk_agent_secret',
  assignmentPublicKeyPem: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n',
  assignmentKeyId: '0123456789abcdef',
  labels: { env: 'prod' },
  groups: ['web'],
};

describe('identity file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upkeep-identity-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is written with mode 0600 and reads back', async () => {
    const path = join(dir, 'identity.json');
    await writeIdentityFile(path, identity);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readIdentityFile(path)).toEqual(identity);
  });

  it('refuses a file others can read', async () => {
    const path = join(dir, 'identity.json');
    await writeIdentityFile(path, identity);
    await chmod(path, 0o644);
    const error = await readIdentityFile(path).catch((caught: unknown) => caught);
    expect(isUpkeepError(error) && error.code).toBe('SECRET_FILE_INSECURE');
    expect((error as Error).message).toContain('mode 644');
  });

  it('names a missing or damaged file', async () => {
    const missing = await readIdentityFile(join(dir, 'nope.json')).catch((caught: unknown) => caught);
    expect(isUpkeepError(missing) && missing.code).toBe('CONFIG_NOT_FOUND');
    const damaged = join(dir, 'damaged.json');
    await writeFile(damaged, '{"agentId": "a1"}', { mode: 0o600 });
    const error = await readIdentityFile(damaged).catch((caught: unknown) => caught);
    expect(isUpkeepError(error) && error.code).toBe('STATE_CORRUPT');
    expect((error as Error).message).toContain('has no credential');
  });
});
