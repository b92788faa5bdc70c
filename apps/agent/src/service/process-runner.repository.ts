import { execFile } from 'node:child_process';
import type { ProcessResult, ProcessRunner, RunOptions } from './process-runner.port.ts';

const MAX_OUTPUT = 1024 * 1024;

/** The real {@link ProcessRunner}: `execFile`, no shell, output capped at 1 MiB each, SIGKILL on timeout. */
export const execFileRunner: ProcessRunner = (argv: readonly string[], options: RunOptions = {}) =>
  new Promise<ProcessResult>((resolve) => {
    const [command, ...args] = argv;
    if (command === undefined || command === '') {
      resolve({
        exitCode: null,
        signal: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        spawnError: 'empty command',
      });
      return;
    }
    execFile(
      command,
      args,
      {
        timeout: options.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT,
        encoding: 'utf8',
        windowsHide: true,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ exitCode: 0, signal: null, stdout, stderr, timedOut: false, spawnError: null });
          return;
        }
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          resolve({
            exitCode: null,
            signal: null,
            stdout,
            stderr,
            timedOut: false,
            spawnError: `${command}: ${code}`,
          });
          return;
        }
        resolve({
          exitCode: typeof code === 'number' ? code : null,
          signal: error.signal ?? null,
          stdout,
          stderr,
          timedOut: error.killed === true && error.signal === 'SIGKILL',
          spawnError: null,
        });
      },
    );
  });
