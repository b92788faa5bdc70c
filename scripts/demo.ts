/**
 * `pnpm demo`: the policy tools on the example config, as an operator would run
 * them. (The agent issue turns this into the full one-host demo.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = join(root, 'examples/versions.seed.yaml');
const work = mkdtempSync(join(tmpdir(), 'upkeep-demo-'));
const releases = join(work, 'releases.json');
writeFileSync(
  releases,
  JSON.stringify([
    { version: 'v2.0.0', published_at: '2026-10-01T00:00:00Z', prerelease: false },
    { version: 'v1.8.2', published_at: '2026-09-01T00:00:00Z', prerelease: false },
    { version: 'v1.9.0-rc.1', published_at: '2026-09-20T00:00:00Z', prerelease: true },
    { version: 'v1.7.0', published_at: '2026-07-01T00:00:00Z', prerelease: false },
    { version: 'v1.6.0', published_at: '2026-06-01T00:00:00Z', prerelease: false },
  ]),
);

function step(title: string, args: string[]): void {
  process.stdout.write(`\n\x1b[1m$ upkeep ${args.join(' ')}\x1b[0m   # ${title}\n`);
  const result = spawnSync(process.execPath, [join(root, 'apps/cli/src/main.ts'), ...args], {
    stdio: 'inherit',
  });
  process.stdout.write(`(exit ${result.status ?? 'signal'})\n`);
}

try {
  step('the seed config loads unchanged', ['validate', '--config', config]);
  step('production pins versions: where each value comes from', [
    'config',
    'show',
    '--config',
    config,
    '--env',
    'production',
    '--explain',
    '--component',
    'node_exporter',
  ]);
  step('which version the strategy picks, and why', [
    'resolve',
    'node_exporter',
    '--config',
    config,
    '--releases',
    releases,
  ]);
  step('a patch upgrade is safe', [
    'decide',
    'node_exporter',
    '1.7.0',
    '1.7.1',
    '--config',
    config,
    '--installed',
    'prometheus=2.45.0',
  ]);
  step('a major upgrade that removes a flag this host uses needs a human', [
    'decide',
    'node_exporter',
    '1.5.0',
    '2.0.0',
    '--config',
    config,
    '--installed',
    'prometheus=2.45.0',
    '--service-args',
    '/usr/local/bin/node_exporter --collector.diskstats',
  ]);
  step('a version with a known problem is refused', [
    'decide',
    'node_exporter',
    '1.5.0',
    '1.6.0',
    '--config',
    config,
    '--installed',
    'prometheus=2.45.0',
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
