// upkeep-agent on a host in a folder, end to end with real processes: a local
// upstream serving demo_exporter releases (real tar.gz + sha256sums.txt), the
// exporter really serving HTTP and really stopped and started by the `command`
// service manager, and the agent run as a process for every step.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentJson, historyOf, logEvents } from '../support/agent/agent-runner.ts';
import {
  DEMO_COMPONENT,
  DEMO_REPO,
  demoPaths,
  stopDemoService,
  writeDemoHost,
} from '../support/agent/demo-host.ts';
import { servedVersion } from '../support/exporter/exporter-program.ts';
import { exporterRelease } from '../support/exporter/exporter-releases.ts';
import { freePort } from '../support/free-port.ts';
import { runAgent } from '../support/run-process.ts';
import { startUpstream, type Upstream } from '../support/upstream/index.ts';

const node = process.execPath;
let upstream: Upstream;
let root: string;
let port: number;

beforeAll(async () => {
  upstream = await startUpstream({
    github: {
      [DEMO_REPO]: [
        exporterRelease(
          {
            version: '2.0.0',
            behaviour: 'no-diskstats-flag',
            notes: '* [CHANGE] Removed the deprecated --collector.diskstats flag',
            published_at: '2026-10-01T00:00:00Z',
          },
          node,
        ),
        exporterRelease(
          { version: '1.2.0', behaviour: 'unhealthy', published_at: '2026-09-20T00:00:00Z' },
          node,
        ),
        exporterRelease({ version: '1.1.0', published_at: '2026-09-01T00:00:00Z' }, node),
        exporterRelease({ version: '1.0.0', published_at: '2026-08-01T00:00:00Z' }, node),
      ],
    },
  });
  root = mkdtempSync(join(tmpdir(), 'upkeep-agent-e2e-'));
  port = await freePort();
  writeDemoHost(root, { upstreamUrl: upstream.url, port, extraArgs: ['--collector.diskstats'] });
});

afterAll(async () => {
  stopDemoService(root);
  await upstream.close();
  rmSync(root, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

describe('upkeep-agent on one host', () => {
  it('installs 1.0.0: downloaded, verified, started, healthy, recorded', async () => {
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({
      component: DEMO_COMPONENT,
      outcome: 'installed',
      from_version: null,
      to_version: '1.0.0',
      exit_code: 0,
      result: { rollback_point_id: null },
    });
    expect(await servedVersion(port)).toBe('1.0.0');
    const status = await agentJson(root, ['status']);
    expect(status.json).toMatchObject({
      host: { root, checksum_verification: true, lock_held: true },
      components: [
        {
          component: DEMO_COMPONENT,
          installed_version: '1.0.0',
          binary_path: '/usr/local/bin/demo_exporter',
          service_manager: 'command',
          service: 'active',
          health: { ok: true },
          rollback_points: 0,
          failed_versions: [],
          open_operation: null,
        },
      ],
    });
  });

  it('--dry-run prints the plan, every safety check and the expected downtime, and changes nothing', async () => {
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.1.0', '--dry-run']);
    expect(run.code).toBe(0);
    const report = run.json as Json;
    expect(report).toMatchObject({
      outcome: 'dry_run',
      would: 'proceed',
      from_version: '1.0.0',
      to_version: '1.1.0',
      plan: {
        artifact: {
          file_name: 'demo_exporter-1.1.0.linux-amd64.tar.gz',
          checksum_source: 'checksum file sha256sums.txt',
        },
        expected_downtime: { basis: 'history' },
        automatic_rollback: true,
      },
    });
    const decision = report['decision'] as { safety_checks: { check: string }[] };
    expect(decision.safety_checks.map((c) => c.check)).toEqual(
      expect.arrayContaining([
        'version_comparison',
        'breaking_changes',
        'command_line_flags',
        'compatibility',
      ]),
    );
    const steps = (report['plan'] as { steps: string[] }).steps;
    expect(steps.some((s) => s.startsWith('rollback point of 1.0.0'))).toBe(true);
    expect(steps.some((s) => s.startsWith('swap /usr/local/bin/demo_exporter atomically'))).toBe(true);
    expect(await servedVersion(port)).toBe('1.0.0');
    const human = await runAgent([
      'upgrade',
      DEMO_COMPONENT,
      '1.1.0',
      '--dry-run',
      '--root',
      root,
      '--log-level',
      'silent',
    ]);
    expect(human.stdout).toContain('expected downtime:');
    expect(human.stdout).toContain('DRY RUN (would proceed)');
  });

  it('upgrades 1.0.0 -> 1.1.0 with a rollback point, and writes the metrics textfile', async () => {
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.1.0']);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ outcome: 'upgraded', from_version: '1.0.0', to_version: '1.1.0' });
    const result = (run.json as { result: { downtime_ms: number; rollback_point_id: number } }).result;
    expect(result.rollback_point_id).toBeGreaterThan(0);
    expect(result.downtime_ms).toBeGreaterThan(0);
    expect(result.downtime_ms).toBeLessThan(5000);
    expect(await servedVersion(port)).toBe('1.1.0');
    const metrics = readFileSync(demoPaths(root).metrics, 'utf8');
    expect(metrics).toContain('upkeep_component_info{component="demo_exporter",version="1.1.0"} 1');
    expect(metrics).toContain('upkeep_upgrade_attempts_total{component="demo_exporter",result="success"} 2');
    const events = logEvents(readFileSync(demoPaths(root).log, 'utf8')).map((e) => e['event']);
    expect(events).toEqual(expect.arrayContaining(['upgrade_started', 'upgrade_step', 'upgrade_success']));
  });

  it('holds the 2.0.0 major for manual approval (exit 2): it removes a flag this host runs with', async () => {
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT]);
    expect(run.code).toBe(2);
    const report = run.json as Json;
    expect(report).toMatchObject({
      outcome: 'held',
      to_version: '2.0.0',
      target: { how: 'strategy', strategy: 'latest' },
      command_line: { source: 'configured' },
      decision: { action: 'manual_approval', approved: false, requires_manual: true, risk_level: 'high' },
    });
    expect(String(report['hint'])).toContain(`upkeep-agent upgrade ${DEMO_COMPONENT} 2.0.0 --force`);
    const changes = (
      report['decision'] as { breaking_changes: { flag?: string; affects_host: boolean | null }[] }
    ).breaking_changes;
    expect(changes).toContainEqual(
      expect.objectContaining({ flag: '--collector.diskstats', affects_host: true }),
    );
    expect(await servedVersion(port)).toBe('1.1.0');
    const check = await agentJson(root, ['check']);
    expect(check.json).toMatchObject({
      components: [
        {
          component: DEMO_COMPONENT,
          current: '1.1.0',
          target: '2.0.0',
          verdict: 'held',
          upgrade_available: true,
        },
      ],
    });
  });

  it('rolls back a version that fails its health check by itself, says why, and does not retry it', async () => {
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.2.0']);
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({
      outcome: 'failed',
      to_version: '1.2.0',
      error: { code: 'HEALTH_CHECK_FAILED', rolled_back: true, step: 'health' },
    });
    expect(await servedVersion(port)).toBe('1.1.0');
    const [rollback, failure] = await historyOf(root);
    expect(failure).toMatchObject({ from_version: '1.1.0', to_version: '1.2.0', success: false });
    expect(String(failure?.['error_message'])).toMatch(/^health: .*HTTP 500, expected 200/);
    expect(rollback).toMatchObject({
      from_version: '1.2.0',
      to_version: '1.1.0',
      method: 'rollback',
      success: true,
    });
    expect(String(rollback?.['error_message'])).toContain('automatic rollback after health failed');

    const downloads = upstream.requests.count('/gh-download/demo/demo_exporter/v1.2.0/');
    const again = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.2.0']);
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({
      outcome: 'refused',
      failed_before: { version: '1.2.0', attempts: 1 },
    });
    expect(String((again.json as Json)['hint'])).toContain('--force');
    expect(upstream.requests.count('/gh-download/demo/demo_exporter/v1.2.0/')).toBe(downloads);
    expect(await historyOf(root)).toHaveLength(4);
  });

  it('--force approves the major; a service that will not start is rolled back with its own output', async () => {
    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '2.0.0', '--force']);
    expect(run.code).toBe(1);
    const report = run.json as { decision: Json; error: Json; forced: boolean };
    expect(report.forced).toBe(true);
    expect(report.decision).toMatchObject({ action: 'manual_approval', approved: true, forced: true });
    expect(report.error).toMatchObject({ code: 'SERVICE_FAILED', rolled_back: true, step: 'start' });
    expect(String(report.error['message'])).toContain('unknown long flag --collector.diskstats');
    expect(await servedVersion(port)).toBe('1.1.0');
    const [, failure] = await historyOf(root);
    expect(failure).toMatchObject({ to_version: '2.0.0', method: 'force', success: false });
  });

  it('lists rollback points, rolls back --to one of them, and records it', async () => {
    const points = await agentJson(root, ['rollback-points', DEMO_COMPONENT]);
    expect(points.code).toBe(0);
    const list = points.json as { id: number; version: string; intact: boolean; restores: string[] }[];
    expect(list.map((p) => p.version)).toEqual(['1.1.0', '1.1.0', '1.0.0']);
    expect(list.every((p) => p.intact)).toBe(true);
    expect(list[0]?.restores).toEqual(['/usr/local/bin/demo_exporter', '/etc/demo_exporter/config.yml']);
    const oldest = list.at(-1)!;
    const run = await agentJson(root, ['rollback', DEMO_COMPONENT, '--to', String(oldest.id)]);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({
      from_version: '1.1.0',
      to_version: '1.0.0',
      rollback_point_id: oldest.id,
    });
    expect(await servedVersion(port)).toBe('1.0.0');
    const [last] = await historyOf(root);
    expect(last).toMatchObject({
      method: 'rollback',
      from_version: '1.1.0',
      to_version: '1.0.0',
      success: true,
    });
    const status = await agentJson(root, ['status']);
    const entry = (status.json as { components: Json[] }).components[0];
    expect(entry).toMatchObject({
      installed_version: '1.0.0',
      install_method: 'rollback',
      service: 'active',
    });
    expect((entry?.['failed_versions'] as { version: string }[]).map((f) => f.version).sort()).toEqual([
      '1.1.0',
      '1.2.0',
      '2.0.0',
    ]);
    const unknown = await agentJson(root, ['rollback', DEMO_COMPONENT, '--to', '999']);
    expect(unknown.code).toBe(70);
    expect(unknown.stderr).toContain('no rollback point 999');
    expect(await servedVersion(port)).toBe('1.0.0');
  });

  it('history filters by component and limits; cleanup applies retention and drops cached artifacts', async () => {
    const limited = await agentJson(root, ['history', DEMO_COMPONENT, '--limit', '2']);
    expect(limited.json).toHaveLength(2);
    expect(await agentJson(root, ['history', 'other'])).toMatchObject({ json: [] });
    const cache = join(root, 'var/cache/upkeep/artifacts', DEMO_COMPONENT);
    expect(existsSync(join(cache, '1.1.0'))).toBe(true);
    const run = await agentJson(root, ['cleanup']);
    expect(run.code).toBe(0);
    const report = run.json as { artifacts_removed: { version: string }[]; journal_entries_removed: number };
    expect(report.artifacts_removed.map((a) => a.version).sort()).toEqual(['1.1.0', '1.2.0', '2.0.0']);
    expect(report.journal_entries_removed).toBeGreaterThan(0);
    expect(existsSync(join(cache, '1.0.0'))).toBe(true);
    expect(await servedVersion(port)).toBe('1.0.0');
  });

  it('refuses bad input with a clear message and no stack', async () => {
    const unknown = await agentJson(root, ['upgrade', 'demo_exportr']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('did you mean');
    const bad = await runAgent(['upgrade', DEMO_COMPONENT, 'not-a-version', '--root', root]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const missing = await runAgent(['status', '--root', join(root, 'nowhere')]);
    expect(missing.code).toBe(66);
    expect(missing.stderr).toContain('does not exist');
  });

  it('reads the command line from the unit ExecStart without install.args; UPKEEP_ROOT stands for --root', async () => {
    const unit = join(root, 'etc/systemd/system/demo_exporter.service');
    mkdirSync(join(unit, '..'), { recursive: true });
    writeFileSync(
      unit,
      `[Unit]\nDescription=demo\n\n[Service]\nExecStart=/usr/local/bin/demo_exporter \\\n  --web.listen-address=127.0.0.1:${String(port)} --collector.diskstats\n`,
    );
    writeDemoHost(root, {
      upstreamUrl: upstream.url,
      port,
      component: {
        install: {
          binary_path: '/usr/local/bin/demo_exporter',
          unit_path: '/etc/systemd/system/demo_exporter.service',
          service_manager: 'none',
        },
      },
    });
    const run = await runAgent(['upgrade', DEMO_COMPONENT, '2.0.0', '--force', '--dry-run', '--json'], {
      env: { ...process.env, UPKEEP_ROOT: root, UPKEEP_LOG_LEVEL: 'silent' },
    });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Json;
    expect(report).toMatchObject({
      outcome: 'dry_run',
      command_line: {
        source: 'unit-file',
        argv: [
          '/usr/local/bin/demo_exporter',
          `--web.listen-address=127.0.0.1:${String(port)}`,
          '--collector.diskstats',
        ],
      },
      decision: { action: 'manual_approval', approved: true },
    });
    const changes = (
      report['decision'] as { breaking_changes: { flag?: string; affects_host: boolean | null }[] }
    ).breaking_changes;
    expect(changes).toContainEqual(
      expect.objectContaining({ flag: '--collector.diskstats', affects_host: true }),
    );
  });
});
