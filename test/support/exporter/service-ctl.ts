// A stand-in for runit/s6/supervisord, driven by the agent's `command` service
// manager in tests and in the demo. Real processes, real signals:
//   start <pid-file> <program> [args...]  starts the program in the background with
//       NOTIFY_FILE=<pid-file>.ready (systemd's NOTIFY_SOCKET, as a file), its output
//       appended to <pid-file>.log; succeeds once the program says it is ready, fails
//       with the program's own output when it exits first or is not ready in 10 s
//   start-unit <pid-file> <unit-file> <root>  as start, with the program and its
//       args from the unit's ExecStart= (its absolute binary path placed under <root>),
//       the way systemd starts what the unit says: a unit-file host without systemd
//   stop <pid-file>    SIGTERM, then SIGKILL after 5 s
//   status <pid-file>  exits 0 while the program runs, 3 otherwise
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const READY_TIMEOUT_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A stopped daemon is reparented to init and may linger as a zombie until
// init reaps it: that counts as stopped.
function alive(pid: number): boolean {
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
}

function pidIn(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** What the program wrote since `from` (its last 2000 characters). */
function logTail(file: string, from: number): string {
  try {
    return readFileSync(file).subarray(from).toString('utf8').slice(-2000).trim();
  } catch {
    return '';
  }
}

async function start(pidFile: string, program: string, args: readonly string[]): Promise<number> {
  const running = pidIn(pidFile);
  if (running !== null && alive(running)) return 0;
  const readyFile = `${pidFile}.ready`;
  const logFile = `${pidFile}.log`;
  rmSync(pidFile, { force: true });
  rmSync(readyFile, { force: true });
  const logStart = existsSync(logFile) ? readFileSync(logFile).length : 0;
  const log = openSync(logFile, 'a');
  const child = spawn(program, [...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, NOTIFY_FILE: readyFile },
  });
  closeSync(log);
  const state: { exited: string | null } = { exited: null };
  child.on('error', (error) => (state.exited = error.message));
  child.on('exit', (code, signal) => (state.exited = signal ?? `code ${String(code)}`));
  const output = () => logTail(logFile, logStart);
  for (let waited = 0; waited < READY_TIMEOUT_MS; waited += 20) {
    if (state.exited !== null) {
      process.stderr.write(`${program} exited at start-up (${state.exited}): ${output()}\n`);
      return 1;
    }
    if (existsSync(readyFile) && child.pid !== undefined) {
      writeFileSync(pidFile, String(child.pid));
      child.unref();
      return 0;
    }
    await sleep(20);
  }
  if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  process.stderr.write(`${program} did not report ready within 10 s: ${output()}\n`);
  return 1;
}

async function stop(pidFile: string): Promise<number> {
  const pid = pidIn(pidFile);
  if (pid === null || !alive(pid)) {
    rmSync(pidFile, { force: true });
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 250 && alive(pid); i += 1) await sleep(20);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  return 0;
}

/** The unit's ExecStart= as argv: continuations joined, words split on blanks (the tests' units need no quoting). */
function execStart(unitFile: string): string[] {
  const text = readFileSync(unitFile, 'utf8').replace(/\\\n/g, ' ');
  const line = text.split('\n').find((l) => l.trim().startsWith('ExecStart='));
  return line === undefined ? [] : line.trim().slice('ExecStart='.length).trim().split(/\s+/);
}

async function startUnit(pidFile: string, unitFile: string, root: string): Promise<number> {
  const [binary, ...args] = execStart(unitFile);
  if (binary === undefined || binary === '') {
    process.stderr.write(`service-ctl: no ExecStart= in ${unitFile}\n`);
    return 1;
  }
  return start(pidFile, `${root}${binary}`, args);
}

function status(pidFile: string): number {
  const pid = pidIn(pidFile);
  return pid !== null && alive(pid) ? 0 : 3;
}

const [command = '', pidFile = '', program = '', ...args] = process.argv.slice(2);
let code = 2;
if (pidFile === '')
  process.stderr.write('usage: service-ctl start|stop|status <pid-file> [program args...]\n');
else if (command === 'start' && program !== '') code = await start(pidFile, program, args);
else if (command === 'start-unit' && program !== '') code = await startUnit(pidFile, program, args[0] ?? '');
else if (command === 'stop') code = await stop(pidFile);
else if (command === 'status') code = status(pidFile);
else process.stderr.write(`service-ctl: unknown command ${JSON.stringify(command)}\n`);
process.exit(code);
