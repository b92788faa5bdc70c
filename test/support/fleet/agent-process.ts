import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../run-process.ts';
import { processCpu, type ProcessCpu } from './process-cpu.ts';

/** One `upkeep-agent run` process serving several host folders. */
export interface AgentProcess {
  readonly pid: number;
  readonly roots: readonly string[];
  /** What it wrote on stderr (the hosts log to their own files). */
  output(): string;
  cpu(): ProcessCpu | null;
  running(): boolean;
  /** SIGTERM (it finishes the job in progress), SIGKILL after 30 s. */
  stop(): Promise<void>;
}

/** Starts `upkeep-agent run --host-root A --host-root B ...` from source. */
export function startAgentProcess(
  roots: readonly string[],
  options: { readonly heartbeatSeconds?: number; readonly env?: NodeJS.ProcessEnv } = {},
): AgentProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'apps/agent/src/main.ts'),
      'run',
      '--heartbeat-seconds',
      String(options.heartbeatSeconds ?? 1),
      ...roots.flatMap((root) => ['--host-root', root]),
    ],
    { cwd: REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-100_000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const pid = child.pid ?? 0;
  return {
    pid,
    roots,
    output: () => output,
    cpu: () => processCpu(pid),
    running: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
