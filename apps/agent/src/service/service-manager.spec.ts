import { describe, expect, it } from 'vitest';
import type { ProcessResult, ProcessRunner } from './process-runner.port.ts';
import { createServiceManager } from './service-manager.repository.ts';

function runner(results: Partial<ProcessResult>[]): { run: ProcessRunner; argvs: string[][] } {
  const argvs: string[][] = [];
  const run: ProcessRunner = (argv) => {
    argvs.push([...argv]);
    const result = results[argvs.length - 1] ?? {};
    return Promise.resolve({
      exitCode: 0,
      signal: null,
      stdout: '',
      stderr: '',
      timedOut: false,
      spawnError: null,
      ...result,
    });
  };
  return { run, argvs };
}

describe('createServiceManager with a scripted process runner', () => {
  it('runs the configured command argv lists, without a shell', async () => {
    const { run, argvs } = runner([{}, {}, { exitCode: 3 }]);
    const manager = createServiceManager(
      {
        kind: 'command',
        name: 'loki',
        start: ['sv', 'up', 'loki'],
        stop: ['sv', 'down', 'loki'],
        status: ['sv', 'status', 'loki'],
      },
      run,
    );
    await manager.start();
    await manager.stop();
    expect(await manager.isActive()).toBe(false);
    expect(argvs).toEqual([
      ['sv', 'up', 'loki'],
      ['sv', 'down', 'loki'],
      ['sv', 'status', 'loki'],
    ]);
  });

  it("puts the manager's stdout and stderr in the error, with a timeout called out", async () => {
    const { run } = runner([
      { exitCode: null, timedOut: true, stdout: 'starting...', stderr: 'still waiting' },
    ]);
    const manager = createServiceManager(
      { kind: 'command', name: 'loki', start: ['s6-svc', '-u', '/run/service/loki'], stop: ['true'] },
      run,
    );
    await expect(manager.start()).rejects.toMatchObject({
      code: 'SERVICE_FAILED',
      message:
        'start loki failed (s6-svc -u /run/service/loki): timed out; stdout: starting...; stderr: still waiting',
    });
  });

  it('does nothing for `none`, which is always "running"', async () => {
    const { run, argvs } = runner([]);
    const manager = createServiceManager({ kind: 'none' }, run);
    await manager.stop();
    await manager.start();
    await manager.unitChanged();
    expect(await manager.isActive()).toBe(true);
    expect(argvs).toEqual([]);
  });
});
