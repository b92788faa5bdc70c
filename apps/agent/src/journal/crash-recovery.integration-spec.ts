import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArtifactServer, type ArtifactServer } from '../download/artifact-server.fixture.ts';
import {
  COMPONENT,
  hostPaths,
  layHost,
  openHost,
  recordInstalled,
  releaseArchive,
  servedVersion,
} from '../testing/agent-host.fixture.ts';
import { freePort } from '../testing/fake-host.fixture.ts';
import { sha256File } from '../verify/file-hash.repository.ts';
import { recoverInterruptedOperations, type RecoveryOutcome } from './recovery.service.ts';

const RUNNER = fileURLToPath(new URL('../testing/crash-runner.fixture.ts', import.meta.url));

let server: ArtifactServer;
let good: { url: string; sha256: string };
let broken: { url: string; sha256: string };

beforeAll(async () => {
  server = await startArtifactServer();
  const g = releaseArchive('1.1.0');
  const b = releaseArchive('1.2.0', 'unhealthy');
  server.serve('/good.tar.gz', { body: g.body });
  server.serve('/broken.tar.gz', { body: b.body });
  good = { url: server.url('/good.tar.gz'), sha256: g.sha256 };
  broken = { url: server.url('/broken.tar.gz'), sha256: b.sha256 };
});
afterAll(async () => {
  await server.close();
});

/** Runs the upgrade in a child process that SIGKILLs itself at the step; resolves with how it ended. */
function runUntilKilled(spec: Record<string, unknown>): Promise<{ signal: string | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUNNER, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (_code, signal) => {
      resolve({ signal, output });
    });
  });
}

type Case = [
  step: string,
  moment: 'before' | 'after',
  release: 'good' | 'broken' | 'rollback',
  outcome: RecoveryOutcome | 'none',
  version: string,
];

const FORWARD = [
  'download',
  'verify',
  'extract',
  'rollback_point',
  'stop',
  'swap',
  'start',
  'health',
] as const;
const CASES: Case[] = [
  ...FORWARD.flatMap((step): Case[] => {
    const outcome: RecoveryOutcome = ['swap', 'start', 'health'].includes(step) ? 'restored' : 'aborted';
    return [
      [step, 'before', 'good', outcome, '1.0.0'],
      [step, 'after', 'good', outcome, '1.0.0'],
    ];
  }),
  ['commit', 'before', 'good', 'committed', '1.1.0'],
  ['commit', 'after', 'good', 'none', '1.1.0'],
  ...(['restore_stop', 'restore_swap', 'restore_start', 'restore_health'] as const).flatMap(
    (step): Case[] => [
      [step, 'before', 'broken', 'restored', '1.0.0'],
      [step, 'after', 'broken', 'restored', '1.0.0'],
    ],
  ),
  // A manual rollback from 1.1.0 to 1.0.0, killed midway, is completed.
  ...(['restore_stop', 'restore_swap', 'restore_start', 'restore_health'] as const).map((step): Case => [
    step,
    'before',
    'rollback',
    'restored',
    '1.0.0',
  ]),
];

describe('kill -9 at every journal step, then recover', () => {
  it.each(CASES)(
    'killed %s %s the step (%s release): recovery ends %s with %s running',
    async (step, moment, release, outcome, version) => {
      const root = mkdtempSync(join(tmpdir(), 'upkeep-crash-'));
      const port = await freePort();
      layHost(root, '1.0.0');
      const host = openHost({ root, port });
      try {
        recordInstalled(host, '1.0.0', await sha256File(hostPaths(root).binary));
        await host.runtime.service.start();
        const artifact = release === 'broken' ? broken : good;
        const target = release === 'broken' ? '1.2.0' : '1.1.0';
        const run = await runUntilKilled({
          root,
          port,
          url: artifact.url,
          sha256: artifact.sha256,
          version: target,
          killAt: step,
          moment,
          operation: release === 'rollback' ? 'rollback' : 'upgrade',
        });
        expect(run.signal, run.output).toBe('SIGKILL');

        const reports = await recoverInterruptedOperations(host.recoveryDeps());
        if (outcome === 'none') {
          expect(reports).toEqual([]);
        } else {
          expect(reports.map((r) => [r.outcome, r.error?.message])).toEqual([[outcome, undefined]]);
        }
        expect(await servedVersion(port)).toBe(version);
        expect(host.installed.find(COMPONENT)?.version).toBe(version);
        expect(readFileSync(hostPaths(root).binary, 'utf8')).toContain(`demo_exporter ${version} (`);
        expect(host.journal.unfinished()).toEqual([]);
        expect(await recoverInterruptedOperations(host.recoveryDeps())).toEqual([]);
      } finally {
        await host.runtime.service.stop().catch(() => undefined);
        host.close();
        rmSync(root, { recursive: true, force: true });
      }
    },
  );

  it('reports a corrupt rollback point as failed, keeps the operation open, and deletes nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'upkeep-crash-'));
    const port = await freePort();
    layHost(root, '1.0.0');
    const host = openHost({ root, port });
    try {
      recordInstalled(host, '1.0.0', await sha256File(hostPaths(root).binary));
      await host.runtime.service.start();
      const run = await runUntilKilled({
        root,
        port,
        url: good.url,
        sha256: good.sha256,
        version: '1.1.0',
        killAt: 'health',
        moment: 'before',
      });
      expect(run.signal, run.output).toBe('SIGKILL');
      writeFileSync(host.rollbackPoints.latest(COMPONENT).binaryBackupPath, 'bit rot');
      const [report] = await recoverInterruptedOperations(host.recoveryDeps());
      expect(report?.outcome).toBe('failed');
      expect(report?.error?.code).toBe('STATE_CORRUPT');
      expect(readFileSync(hostPaths(root).binary, 'utf8')).toContain('demo_exporter 1.1.0 (');
      expect(await servedVersion(port)).toBe('1.1.0');
      expect(host.journal.unfinished()).toHaveLength(1);
    } finally {
      await host.runtime.service.stop().catch(() => undefined);
      host.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
