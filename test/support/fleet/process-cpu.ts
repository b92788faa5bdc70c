import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux architecture Upkeep runs on). */
const USER_HZ = 100;

export interface ProcessCpu {
  /** User + system seconds of the process itself. */
  readonly self: number;
  /** User + system seconds of its children that exited and were reaped (service commands, tasks). */
  readonly children: number;
}

/** CPU seconds spent so far by a running process, from /proc/<pid>/stat; null once it is gone. */
export function processCpu(pid: number): ProcessCpu | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces), starting at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (n: number): number => Number(fields[n - 3] ?? 0);
  return {
    self: (field(14) + field(15)) / USER_HZ,
    children: (field(16) + field(17)) / USER_HZ,
  };
}

/** The machine's 1-minute load average, for figures taken on a shared machine. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}
