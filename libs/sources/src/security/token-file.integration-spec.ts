import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { nodeFileSystem } from '../ports/file-system.repository.ts';
import { readTokenFile, resolveToken } from './token-file.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tokenFile(content: string, mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-token-'));
  dirs.push(dir);
  const path = join(dir, 'github-token');
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

async function code(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isUpkeepError(error) ? error.code : `not an UpkeepError: ${String(error)}`;
}

describe('token files', () => {
  it('reads a 0600 or 0400 file, trimmed', async () => {
    expect((await readTokenFile(tokenFile('tok-123\n', 0o600), nodeFileSystem)).reveal()).toBe('tok-123');
    expect((await readTokenFile(tokenFile('tok-456', 0o400), nodeFileSystem)).reveal()).toBe('tok-456');
  });

  it.each(['644', '640', '604', '660', '620'])(
    'refuses mode 0%s with SECRET_FILE_INSECURE and a chmod hint',
    async (mode) => {
      const path = tokenFile('ZQ-secret-9931', parseInt(mode, 8));
      const error = await readTokenFile(path, nodeFileSystem).catch((e: unknown) => e);
      expect(isUpkeepError(error) && error.code).toBe('SECRET_FILE_INSECURE');
      expect(isUpkeepError(error) && error.hint).toBe(`run chmod 600 ${path}`);
      expect((error as Error).message).toContain(`mode 0${mode}`);
      expect((error as Error).message).not.toContain('ZQ-secret-9931');
    },
  );

  it('reports a missing or empty file', async () => {
    expect(await code(readTokenFile('/nonexistent/upkeep/token', nodeFileSystem))).toBe('CONFIG_NOT_FOUND');
    expect(await code(readTokenFile(tokenFile('  \n', 0o600), nodeFileSystem))).toBe('INPUT_INVALID');
  });

  it('prefers the environment value, then the file, else anonymous', async () => {
    const path = tokenFile('from-file', 0o600);
    expect((await resolveToken({ envValue: 'from-env', file: path }, nodeFileSystem))?.reveal()).toBe(
      'from-env',
    );
    expect((await resolveToken({ envValue: '', file: path }, nodeFileSystem))?.reveal()).toBe('from-file');
    expect(await resolveToken({}, nodeFileSystem)).toBeUndefined();
  });
});
