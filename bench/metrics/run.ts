// bench/metrics: scrape time of GET /metrics at 5,000 hosts x 3 components (bench/README.md).
// The measuring script lives beside the gateway bench in apps/control-plane/bench, where the
// control plane's dependencies (pg, ioredis) resolve; this entry compiles the control plane
// (decorators need tsc) and runs it with the same arguments.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const run = (command: string, args: readonly string[]): number => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error !== undefined) throw result.error;
  return result.status ?? 1;
};
const compiled = run(join(root, 'node_modules/.bin/tsc'), ['-p', 'apps/control-plane/tsconfig.json']);
if (compiled !== 0) process.exit(compiled);
process.exit(run(process.execPath, ['apps/control-plane/bench/metrics-bench.ts', ...process.argv.slice(2)]));
