import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  closeSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { asUnprivileged, openToAll } from '../testing/unprivileged.fixture.ts';
import { installFileAtomically, removeStaleTemps, writeFileAtomically } from './atomic-file.repository.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upkeep-swap-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('installFileAtomically', () => {
  it('renames a new inode over the target: a holder of the old file still reads the old bytes', () => {
    return (async () => {
      const target = join(dir, 'node_exporter');
      writeFileSync(target, 'old binary', { mode: 0o755 });
      const before = statSync(target).ino;
      const running = openSync(target, 'r');
      writeFileSync(join(dir, 'new'), 'new binary');
      await installFileAtomically(join(dir, 'new'), { target, mode: 0o750 });
      const buffer = Buffer.alloc(10);
      readSync(running, buffer, 0, 10, 0);
      closeSync(running);
      expect(buffer.toString()).toBe('old binary');
      expect(readFileSync(target, 'utf8')).toBe('new binary');
      expect(statSync(target).ino).not.toBe(before);
      expect(statSync(target).mode & 0o777).toBe(0o750);
      expect(readdirSync(dir).sort()).toEqual(['new', 'node_exporter']);
    })();
  });

  it('refuses an unwritable target folder, leaves the old binary and no temp file', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'tool'), 'old');
    writeFileSync(join(dir, 'new'), 'new');
    openToAll(dir, join(dir, 'new'));
    chmodSync(bin, 0o555);
    chmodSync(join(dir, 'new'), 0o644);
    let code = 'none';
    await asUnprivileged(async () => {
      try {
        await installFileAtomically(join(dir, 'new'), { target: join(bin, 'tool'), mode: 0o755 });
      } catch (error) {
        code = isUpkeepError(error) ? error.code : 'other';
      }
    });
    expect(code).toBe('PERMISSION_DENIED');
    expect(readFileSync(join(bin, 'tool'), 'utf8')).toBe('old');
    expect(readdirSync(bin)).toEqual(['tool']);
  });

  it('reports a missing source without touching the target', async () => {
    writeFileSync(join(dir, 'tool'), 'old');
    await expect(
      installFileAtomically(join(dir, 'nope'), { target: join(dir, 'tool'), mode: 0o755 }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    expect(readFileSync(join(dir, 'tool'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['tool']);
  });

  it('writes text atomically and sweeps temp files left by a crash', async () => {
    await writeFileAtomically(join(dir, 'metrics.prom'), 'a 1\n');
    expect(readFileSync(join(dir, 'metrics.prom'), 'utf8')).toBe('a 1\n');
    writeFileSync(join(dir, '.metrics.prom.upkeep-abc123.tmp'), 'half');
    expect(await removeStaleTemps(join(dir, 'metrics.prom'))).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['metrics.prom']);
  });

  it('sets the configured owner when running as root, and never otherwise', async () => {
    writeFileSync(join(dir, 'new'), 'new binary');
    const target = join(dir, 'tool');
    await installFileAtomically(join(dir, 'new'), { target, mode: 0o755, owner: { uid: 65534, gid: 65534 } });
    const expected = process.getuid?.() === 0 ? 65534 : process.getuid?.();
    expect(statSync(target).uid).toBe(expected);
    await installFileAtomically(join(dir, 'new'), { target, mode: 0o755 });
    expect(statSync(target).uid).toBe(process.getuid?.());
  });
});
