// Runs one upgrade on a host folder and kills itself with SIGKILL at a chosen
// journal step, before or after the step runs: a real kill -9 mid-operation.
// Usage: node crash-runner.fixture.ts '<json spec>'
import { rollbackToPoint } from '../install/manual-rollback.service.ts';
import { openHost } from './agent-host.fixture.ts';

interface CrashSpec {
  readonly root: string;
  readonly port: number;
  readonly url: string;
  readonly sha256: string;
  readonly version: string;
  readonly killAt: string;
  readonly moment: 'before' | 'after';
  /** `rollback`: upgrade first (no kill), then kill during a manual rollback. */
  readonly operation?: 'upgrade' | 'rollback';
}

const spec = JSON.parse(process.argv[2] ?? '{}') as CrashSpec;
const host = openHost({ root: spec.root, port: spec.port });
const kill = (step: string): void => {
  if (step === spec.killAt) process.kill(process.pid, 'SIGKILL');
};
const hooks = spec.moment === 'before' ? { before: kill } : { after: kill };
try {
  if (spec.operation === 'rollback') {
    await host.executor().execute(host.plan(spec.version, spec.url, spec.sha256));
    await rollbackToPoint(host.rollbackDeps(hooks), host.runtime, null);
  } else {
    await host.executor(hooks).execute(host.plan(spec.version, spec.url, spec.sha256));
  }
  process.stdout.write('completed without reaching the kill step\n');
  process.exit(0);
} catch (error) {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
}
