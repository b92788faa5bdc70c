// `pnpm demo:fleet --exit` end to end: the whole story runs (control plane, five
// agent-run hosts, the local upstream, a broken patch rolled back by the canary's
// agent, a major approved by two approvers) and everything is cleaned up after.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProcess, REPO_ROOT } from '../support/run-process.ts';

describe('pnpm demo:fleet', () => {
  it('plays the staged rollout story and stops with --exit', async () => {
    const demo = await runProcess(process.execPath, [`${REPO_ROOT}scripts/demo-fleet.ts`, '--exit'], {
      timeoutMs: 900_000,
    });
    const output = `${demo.stdout}\n${demo.stderr}`;
    expect(demo.code, output).toBe(0);
    expect(demo.stdout).toContain("The canary's agent rolled 1.0.1 back by itself");
    expect(demo.stdout).toContain(`Binaries byte-identical to before on 5 of 5 hosts`);
    expect(demo.stdout).toMatch(/canary-1 +rolled_back/);
    expect(demo.stdout).toContain('2 approval(s) required');
    expect(demo.stdout).toMatch(/rollout completed/);
    for (const host of ['canary-1', 'db-1', 'web-1', 'web-2', 'web-3'])
      expect(demo.stdout).toMatch(
        new RegExp(`${host} +groups \\S+ +demo_exporter on 127\\.0\\.0\\.1:\\d+ serves 2\\.0\\.0`),
      );
    // Cleaned up: the hosts' folder is gone.
    const dir = /under (\S+)\/hosts:/.exec(demo.stdout)?.[1] ?? '';
    expect(dir).not.toBe('');
    expect(existsSync(dir)).toBe(false);
  }, 900_000);
});
