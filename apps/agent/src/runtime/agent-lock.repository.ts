import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsError } from '../common/fs-error.service.ts';

export type AgentLock =
  { readonly held: true; release(): void } | { readonly held: false; readonly holderPid: number };

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * One agent at a time on a host: recovery must never "finish" an operation that
 * another live agent is still running. The lock is a file holding the pid; a
 * lock whose process is gone (kill -9, power loss) is stale and taken over.
 */
export function acquireAgentLock(path: string): AgentLock {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw fsError('create', dirname(path), error, 'check global.state_db.path (the lock lives beside it)');
  }
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, `${String(process.pid)}\n`, { flag: 'wx', mode: 0o644 });
      return {
        held: true,
        release: () => {
          if (holderOf(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError('create', path, error);
    }
    const holder = holderOf(path);
    if (holder !== null && holder !== process.pid && running(holder))
      return { held: false, holderPid: holder };
    // Stale. Two agents taking over the same stale lock in the same few
    // microseconds could both win; a lock daemon would close that window.
    rmSync(path, { force: true });
  }
  return { held: false, holderPid: holderOf(path) ?? 0 };
}
