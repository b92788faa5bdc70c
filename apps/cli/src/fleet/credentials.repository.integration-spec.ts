import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsRepository } from './credentials.repository.ts';

describe('CredentialsRepository', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upkeep-credentials-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the file 0600 in a 0700 directory and reads it back', async () => {
    const path = join(dir, 'upkeep', 'credentials.json');
    const repository = new CredentialsRepository(path);
    await repository.save({ server: 'https://cp.example', token: 'secret' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'upkeep'))).mode & 0o777).toBe(0o700);
    expect(await repository.load()).toEqual({ server: 'https://cp.example', token: 'secret' });
    await repository.save({ server: 'https://other.example', token: 'newer' });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      server: 'https://other.example',
      token: 'newer',
    });
  });

  it('refuses a file group or others can read, without printing the token', async () => {
    const path = join(dir, 'credentials.json');
    await writeFile(path, JSON.stringify({ server: 'https://cp.example', token: 'secret' }));
    await chmod(path, 0o640);
    const error = await new CredentialsRepository(path).load().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SECRET_FILE_INSECURE' });
    expect((error as Error).message).not.toContain('secret"');
  });

  it('says how to log in when there is no file, and how to repair a broken one', async () => {
    await expect(new CredentialsRepository(join(dir, 'none.json')).load()).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      hint: expect.stringContaining('upkeep login') as unknown,
    });
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"server": 1}', { mode: 0o600 });
    await expect(new CredentialsRepository(broken).load()).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
