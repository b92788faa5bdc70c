// "Update config when the new version needs it": a flag the new release renamed
// that the unit's ExecStart uses is rewritten as part of the upgrade, and the
// rollback point's unit brings the old command line back, on a rollback and
// after a crash. install.args (versions.yaml) are never edited: held instead.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentJson, historyOf, lastJournalStep, logEvents } from '../support/agent/agent-runner.ts';
import {
  DEMO_COMPONENT,
  DEMO_REPO,
  SERVICE_CTL,
  demoHostConfig,
  demoPaths,
  stopDemoService,
  writeHostConfig,
} from '../support/agent/demo-host.ts';
import { servedVersion } from '../support/exporter/exporter-program.ts';
import { exporterRelease } from '../support/exporter/exporter-releases.ts';
import { freePort } from '../support/free-port.ts';
import { REPO_ROOT } from '../support/run-process.ts';
import { startUpstream, type Upstream } from '../support/upstream/index.ts';

const node = process.execPath;
const OLD_FLAG = '--collector.diskstats';
const NEW_FLAG = '--collector.disk';
const UNIT = '/etc/systemd/system/demo_exporter.service';
let upstream: Upstream;
const roots: string[] = [];

const rename = {
  component: DEMO_COMPONENT,
  from_version: '1.0.0',
  to_version: '1.3.0',
  change_type: 'flag_rename',
  description: `Renamed ${OLD_FLAG} to ${NEW_FLAG}`,
  severity: 'medium',
  flag: OLD_FLAG,
  renamed_to: NEW_FLAG,
};

beforeAll(async () => {
  upstream = await startUpstream({
    github: {
      [DEMO_REPO]: [
        // 1.3.0 exits at start-up when given the old flag, as a renamed flag's old name would.
        exporterRelease({ version: '1.3.0', behaviour: 'no-diskstats-flag' }, node),
        exporterRelease({ version: '1.0.0' }, node),
      ],
    },
  });
});

afterAll(async () => {
  for (const root of roots) stopDemoService(root);
  await upstream.close();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A host whose service runs what its unit file says (service-ctl start-unit stands in for systemd). */
async function unitHost(
  health?: Readonly<Record<string, string>>,
): Promise<{ root: string; port: number; unit: string }> {
  const root = mkdtempSync(join(tmpdir(), 'upkeep-agent-flag-rename-'));
  roots.push(root);
  const port = await freePort();
  const unit = join(root, UNIT);
  mkdirSync(join(unit, '..'), { recursive: true });
  writeFileSync(
    unit,
    `[Unit]\nDescription=demo exporter (${OLD_FLAG} in use)\n\n[Service]\nExecStart=/usr/local/bin/demo_exporter \\\n  --web.listen-address=127.0.0.1:${String(port)} ${OLD_FLAG}\nRestart=always\n`,
  );
  const config = demoHostConfig(root, { upstreamUrl: upstream.url, port, health });
  const pidFile = join(root, 'run', `${DEMO_COMPONENT}.pid`);
  const component = (config['components'] as Record<string, Record<string, unknown>>)[DEMO_COMPONENT] ?? {};
  component['install'] = {
    binary_path: '/usr/local/bin/demo_exporter',
    config_path: `/etc/${DEMO_COMPONENT}/config.yml`,
    unit_path: UNIT,
    service_manager: 'command',
    commands: {
      start: [node, SERVICE_CTL, 'start-unit', pidFile, unit, root],
      stop: [node, SERVICE_CTL, 'stop', pidFile],
      status: [node, SERVICE_CTL, 'status', pidFile],
    },
  };
  config['breaking_changes'] = [rename];
  writeHostConfig(root, config);
  return { root, port, unit };
}

type Json = Record<string, unknown>;

describe('a renamed flag in the unit ExecStart', () => {
  it('is rewritten by the upgrade; the new version starts; a rollback restores the old flag', async () => {
    const { root, port, unit } = await unitHost();
    const original = readFileSync(unit, 'utf8');
    expect((await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0'])).code).toBe(0);
    expect(await servedVersion(port)).toBe('1.0.0');

    const dry = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.3.0', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect((dry.json as { plan: { steps: string[] } }).plan.steps.join('\n')).toContain(
      `rewrite ${OLD_FLAG} to ${NEW_FLAG} in ExecStart of ${UNIT}`,
    );

    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.3.0']);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json as Json;
    expect(report).toMatchObject({ outcome: 'upgraded', to_version: '1.3.0' });
    const changes = (report['decision'] as { breaking_changes: Json[] }).breaking_changes;
    expect(changes).toContainEqual(
      expect.objectContaining({ command_line_rewrite: { from: OLD_FLAG, to: NEW_FLAG }, affects_host: true }),
    );
    expect(await servedVersion(port)).toBe('1.3.0');
    const rewritten = readFileSync(unit, 'utf8');
    expect(rewritten).toContain(`--web.listen-address=127.0.0.1:${String(port)} ${NEW_FLAG}\n`);
    expect(rewritten).toContain(`Description=demo exporter (${OLD_FLAG} in use)`);
    // Only that word changed.
    expect(rewritten).toBe(original.replace(`${OLD_FLAG}\nRestart`, `${NEW_FLAG}\nRestart`));
    const events = logEvents(readFileSync(demoPaths(root).log, 'utf8'));
    expect(events).toContainEqual(expect.objectContaining({ msg: 'unit_rewritten' }));

    const back = await agentJson(root, ['rollback', DEMO_COMPONENT]);
    expect(back.code, back.stderr).toBe(0);
    expect(await servedVersion(port)).toBe('1.0.0');
    expect(readFileSync(unit, 'utf8')).toBe(original);
  });

  it('kill -9 with the rewritten unit live: recover puts the old binary and the old unit back', async () => {
    // Long enough to catch the agent in the health step, the new version running with the new flag.
    const { root, port, unit } = await unitHost({ min_healthy_time: '6s' });
    const original = readFileSync(unit, 'utf8');
    expect((await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0'])).code).toBe(0);

    const agent = spawn(
      node,
      [
        `${REPO_ROOT}apps/agent/src/main.ts`,
        'upgrade',
        DEMO_COMPONENT,
        '1.3.0',
        '--root',
        root,
        '--json',
        '--log-file',
        demoPaths(root).log,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => agent.once('exit', resolve));
    try {
      const started = Date.now();
      while (lastJournalStep(root) !== 'health') {
        if (Date.now() - started > 20_000)
          throw new Error(`never reached health (at ${String(lastJournalStep(root))})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await servedVersion(port)).toBe('1.3.0');
      expect(readFileSync(unit, 'utf8')).toContain(NEW_FLAG);
    } finally {
      agent.kill('SIGKILL');
      await exited;
    }

    const recover = await agentJson(root, ['recover']);
    expect(recover.code, recover.stderr).toBe(0);
    expect(readFileSync(unit, 'utf8')).toBe(original);
    expect(await servedVersion(port)).toBe('1.0.0');
    expect(await historyOf(root)).toContainEqual(
      expect.objectContaining({ to_version: '1.3.0', success: false }),
    );
  });
});

describe('a renamed flag in install.args (versions.yaml)', () => {
  it('is held for the operator, naming the flag: the agent never edits versions.yaml', async () => {
    const root = mkdtempSync(join(tmpdir(), 'upkeep-agent-flag-rename-'));
    roots.push(root);
    const port = await freePort();
    const config = demoHostConfig(root, { upstreamUrl: upstream.url, port, extraArgs: [OLD_FLAG] });
    config['breaking_changes'] = [rename];
    const path = writeHostConfig(root, config);
    expect((await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.0.0'])).code).toBe(0);
    const before = readFileSync(path, 'utf8');

    const run = await agentJson(root, ['upgrade', DEMO_COMPONENT, '1.3.0']);
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({ outcome: 'held', decision: { action: 'manual_approval' } });
    expect((run.json as { decision: { warnings: string[] } }).decision.warnings.join(' ')).toContain(
      `runs demo_exporter with ${OLD_FLAG}, renamed to ${NEW_FLAG} in 1.3.0: the service will not start until its command line is changed`,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(await servedVersion(port)).toBe('1.0.0');
  });
});
