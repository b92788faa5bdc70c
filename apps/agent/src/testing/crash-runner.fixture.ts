// Runs one upgrade on a host folder and kills itself with SIGKILL at a chosen
// journal step, before or after the step runs: a real kill -9 mid-operation.
// Usage: node crash-runner.fixture.ts '<json spec>'
import { openHost } from './agent-host.fixture.ts';

interface CrashSpec {
  readonly root: string;
  readonly port: number;
  readonly url: string;
  readonly sha256: string;
  readonly version: string;
  readonly killAt: string;
  readonly moment: 'before' | 'after';
}

const spec = JSON.parse(process.argv[2] ?? '{}') as CrashSpec;
const host = openHost({ root: spec.root, port: spec.port });
const kill = (step: string): void => {
  if (step === spec.killAt) process.kill(process.pid, 'SIGKILL');
};
const executor = host.executor(spec.moment === 'before' ? { before: kill } : { after: kill });
try {
  await executor.execute(host.plan(spec.version, spec.url, spec.sha256));
  process.stdout.write('completed without reaching the kill step\n');
  process.exit(0);
} catch (error) {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
}
