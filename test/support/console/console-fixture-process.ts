import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../run-process.ts';
import { buildControlPlane, type Role } from '../fleet/control-plane-process.ts';
import { ensureConsoleBuilt } from './console-build.ts';

export type { Role };

/** Mirrors ConsoleFixtureHost of apps/control-plane/src/testing/console-fixture.ts. */
export interface FixtureHost {
  readonly hostname: string;
  readonly groups: readonly string[];
  readonly env?: string;
  readonly version: string;
  readonly behaviour?: 'succeed' | 'fail-and-roll-back';
}

export interface ConsoleFixtureProcess {
  readonly url: string;
  readonly tokens: Readonly<Record<Role, string>>;
  readonly hostIds: Readonly<Record<string, string>>;
  /** REST call with a role's token; the parsed body (or undefined) and the status. */
  api(role: Role, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

const FIXTURE_MAIN = join(
  REPO_ROOT,
  'apps/control-plane/dist/apps/control-plane/src/testing/console-fixture-main.js',
);

/**
 * Builds the console and the control plane if needed, then starts the console fixture
 * (a real control plane serving the console, real agent sessions, one token per role)
 * as a child process and waits for its ready line.
 */
export async function startConsoleFixtureProcess(options: {
  readonly hosts: readonly FixtureHost[];
  readonly jobDurationMs?: number;
}): Promise<ConsoleFixtureProcess> {
  const consoleDir = await ensureConsoleBuilt();
  await buildControlPlane();
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [FIXTURE_MAIN, JSON.stringify({ ...options, consoleDir })],
    { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = await new Promise<{
    url: string;
    tokens: Record<Role, string>;
    hostIds: Record<string, string>;
  }>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`console fixture not ready after 240 s:\n${stderr}`));
    }, 240_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(
          JSON.parse(line) as { url: string; tokens: Record<Role, string>; hostIds: Record<string, string> },
        );
      } catch {
        reject(new Error(`console fixture printed ${line}\n${stderr}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`console fixture exited with ${code}:\n${stderr}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    ...ready,
    api: async (role: Role, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${ready.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ready.tokens[role]}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as unknown };
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
