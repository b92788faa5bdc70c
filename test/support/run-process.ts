import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunProcessOptions {
  /** Default the repository root. */
  readonly cwd?: string;
  /** Default this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to its stdin, which is then closed (default nothing). */
  readonly input?: string;
  /** Killed after this long (default 60 s). */
  readonly timeoutMs?: number;
}

/** Runs a program to completion and collects its output (no shell). */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the `upkeep` command line from source, as `pnpm -s upkeep` does. */
export function runUpkeep(args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, [`${REPO_ROOT}apps/cli/src/main.ts`, ...args], options);
}

/** Runs the `upkeep-agent` command line from source. */
export function runAgent(args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, [`${REPO_ROOT}apps/agent/src/main.ts`, ...args], options);
}
