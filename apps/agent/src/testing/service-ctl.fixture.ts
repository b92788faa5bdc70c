// A stand-in for runit/s6/supervisord driven through the `command` service
// manager: `start <binary> <pid-file> <port>` starts the binary in the
// background and waits for its pid file; `stop <pid-file>` stops it;
// `status <pid-file>` exits 0 while it runs. Real processes, real signals.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const [command, ...rest] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// A stopped daemon is reparented to init and may linger as a zombie until
// init reaps it: that counts as stopped.
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
};
const pidIn = (file: string): number | null =>
  existsSync(file) ? Number(readFileSync(file, 'utf8')) || null : null;

async function start(binary: string, pidFile: string, port: string): Promise<number> {
  rmSync(pidFile, { force: true });
  const child = spawn(binary, ['--port', port, '--pid-file', pidFile], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const state: { exited: number | null } = { exited: null };
  child.on('exit', (code) => (state.exited = code ?? 1));
  for (let i = 0; i < 200; i += 1) {
    if (state.exited !== null) {
      process.stderr.write(`service exited with code ${String(state.exited)}: ${stderr}`);
      return 1;
    }
    if (pidIn(pidFile) !== null) {
      child.stderr.destroy();
      child.unref();
      return 0;
    }
    await sleep(25);
  }
  process.stderr.write('service did not write its pid file within 5 s\n');
  return 1;
}

async function stop(pidFile: string): Promise<number> {
  const pid = pidIn(pidFile);
  if (pid === null || !alive(pid)) {
    rmSync(pidFile, { force: true });
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 200 && alive(pid); i += 1) await sleep(25);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  return 0;
}

function status(pidFile: string): number {
  const pid = pidIn(pidFile);
  return pid !== null && alive(pid) ? 0 : 3;
}

const [a = '', b = '', c = ''] = rest;
const code =
  command === 'start'
    ? await start(a, b, c)
    : command === 'stop'
      ? await stop(a)
      : command === 'status'
        ? status(a)
        : 2;
process.exit(code);
