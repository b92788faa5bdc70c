import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireAgentLock } from './agent-lock.repository.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upkeep-lock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('acquireAgentLock', () => {
  it('takes a free lock, holds it with its pid, and releases it', () => {
    const path = join(dir, 'state/agent.lock');
    const lock = acquireAgentLock(path);
    expect(lock.held).toBe(true);
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
    if (lock.held) lock.release();
    expect(acquireAgentLock(path).held).toBe(true);
  });

  it('is refused while another live process holds it', async () => {
    const path = join(dir, 'agent.lock');
    const other = spawn('sleep', ['5']);
    try {
      await new Promise((resolve) => other.once('spawn', resolve));
      writeFileSync(path, String(other.pid));
      expect(acquireAgentLock(path)).toEqual({ held: false, holderPid: other.pid });
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock whose process is gone (kill -9, power loss)', async () => {
    const path = join(dir, 'agent.lock');
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(path, String(gone.pid));
    const lock = acquireAgentLock(path);
    expect(lock.held).toBe(true);
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
  });
});
