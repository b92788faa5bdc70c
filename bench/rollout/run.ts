/**
 * bench/rollout: the same upgrade over N simulated hosts (host folders served by
 * real `upkeep-agent run` processes, several hosts each, each host with its own
 * demo_exporter service), done by Upkeep (a rollout in waves with maxParallel) and
 * by Ansible the way operators do it today (serial waves, get_url with checksum,
 * copy, restart, uri health check; see ansible-baseline.ts). Then a failure
 * scenario: one host's upgrade fails, and what each tool left behind.
 *
 *   pnpm bench:rollout [--hosts N] [--quick] [--rounds R] [--hosts-per-agent K] [--max-parallel P]
 *
 * Needs Postgres and Redis (as the tests do) and Debian's ansible. Progress on
 * stderr, the report on stdout, one PASS/FAIL line per target; exit 1 on a miss.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDemoHost } from '../../test/support/agent/demo-host.ts';
import { exporterAssetName } from '../../test/support/exporter/exporter-releases.ts';
import {
  DEMO_COMPONENT,
  eventually,
  startFleet,
  type Fleet,
  type FleetHost,
} from '../../test/support/fleet/fleet.ts';
import {
  FLEET_RELEASES,
  flagDroppingRelease,
  type FleetRelease,
} from '../../test/support/fleet/fleet-releases.ts';
import { loadAverage } from '../../test/support/fleet/process-cpu.ts';
import {
  createRollout,
  getRollout,
  type RolloutView,
  type WaveSpec,
} from '../../test/support/fleet/rollout-client.ts';
import { runAnsible, type AnsibleHost, type AnsibleRun } from './ansible-baseline.ts';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string' },
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    'hosts-per-agent': { type: 'string', default: '20' },
    'max-parallel': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
  },
});
const hostCount = Number(args.hosts ?? (args.quick ? 12 : 200));
const rounds = Number(args.rounds);
const hostsPerAgent = Number(args['hosts-per-agent']);
const maxParallel = Number(args['max-parallel']);
for (const [name, value] of [
  ['--hosts', hostCount],
  ['--rounds', rounds],
  ['--hosts-per-agent', hostsPerAgent],
  ['--max-parallel', maxParallel],
] as const) {
  if (!Number.isSafeInteger(value) || value < 1) {
    process.stderr.write(`${name} must be a positive integer\n`);
    process.exit(2);
  }
}
if (hostCount < 4) {
  process.stderr.write('--hosts must be at least 4 (three waves and a failing host)\n');
  process.exit(2);
}

const progress = (line: string): void => {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};
const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

// Good versions the rounds upgrade through, then the release that fails on one host.
const GOOD = ['1.0.2', '1.0.4', '1.0.5', '1.0.6', '1.0.7', '1.0.8'].slice(0, rounds + 1);
if (rounds > GOOD.length - 1) {
  process.stderr.write(`--rounds is at most ${String(GOOD.length - 1)}\n`);
  process.exit(2);
}
const FAILING = '1.1.0';
const releases: FleetRelease[] = [
  ...FLEET_RELEASES.filter((r) => r.version === '1.0.0' || r.version === '1.0.2'),
  ...GOOD.filter((v) => v !== '1.0.2').map((version, i) => ({
    version,
    what: 'good',
    published_at: `2026-10-${String(2 + i).padStart(2, '0')}T00:00:00Z`,
  })),
  flagDroppingRelease(FAILING, '2026-10-20T00:00:00Z'),
];

/** Patches and minors roll out without approval here: the bench measures the rollout itself. */
function benchPolicy(upstreamUrl: string): string {
  return `global:
  github_api:
    base_url: ${upstreamUrl}
  advisories:
    enabled: false
components:
  ${DEMO_COMPONENT}:
    strategy: latest
    github_repo: demo/demo_exporter
    download:
      archive_type: tar.gz
      archive_pattern: "demo_exporter-{VERSION}.linux-amd64.tar.gz"
      binary_path_in_archive: "demo_exporter-{VERSION}.linux-amd64/demo_exporter"
      checksum_file: sha256sums.txt
    constraints:
      architecture: linux-amd64
environments:
  prod: {}
upgrade_policies:
  approvals:
    patch: { required: 0 }
    minor: { required: 0 }
`;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

interface UpkeepRun {
  readonly wallSeconds: number;
  readonly controlPlaneCpu: number;
  readonly agentCpu: number;
  readonly view: RolloutView;
}

function waves(): WaveSpec[] {
  return [
    { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' },
    { name: 'quarter', size: '25%', maxParallel, bakeSeconds: 0, failureThreshold: '1' },
    { name: 'rest', size: '100%', maxParallel, bakeSeconds: 0, failureThreshold: '1' },
  ];
}

function rolloutRequest(version: string) {
  return {
    component: DEMO_COMPONENT,
    environment: 'prod',
    target: { version },
    selector: { groups: ['fleet'] },
    waves: waves(),
    onFailure: 'pause' as const,
    revertWaveOnFailure: true,
  };
}

async function upkeepRollout(
  fleet: Fleet,
  version: string,
  until: 'completed' | 'paused',
): Promise<UpkeepRun> {
  const cpBefore = fleet.controlPlane.cpu();
  const agentsBefore = fleet.agentCpuSeconds();
  const started = performance.now();
  const rollout = await createRollout(fleet, rolloutRequest(version));
  // A rollout or wave policy holds for approval is approved at once (counted in the wall time).
  const view = await eventually(
    async () => {
      const current = await getRollout(fleet, rollout.id);
      if (current.state === until) return current;
      const waiting = current.waves.find((w) => w.state === 'awaiting_approval');
      if (current.state === 'awaiting_approval' || waiting !== undefined) {
        for (const token of [fleet.tokens.approver, fleet.tokens.approver2]) {
          const answer = await fleet.api(
            'POST',
            `/api/rollouts/${rollout.id}/approve`,
            { comment: 'bench', ...(waiting === undefined ? {} : { wave: waiting.index }) },
            token,
          );
          if (answer.status >= 400 && answer.status !== 409 && answer.status !== 403)
            throw new Error(
              `approving ${rollout.id}: ${String(answer.status)} ${JSON.stringify(answer.body)}`,
            );
        }
      }
      if (['completed', 'aborted', 'failed', 'paused'].includes(current.state))
        throw new Error(`rollout ${rollout.id} is ${current.state} (${current.reason ?? ''}), not ${until}`);
      return undefined;
    },
    `rollout ${rollout.id} to be ${until}`,
    3_600_000,
    300,
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const cpAfter = fleet.controlPlane.cpu();
  return {
    wallSeconds,
    controlPlaneCpu:
      cpBefore === null || cpAfter === null
        ? Number.NaN
        : cpAfter.self + cpAfter.children - (cpBefore.self + cpBefore.children),
    agentCpu: fleet.agentCpuSeconds() - agentsBefore,
    view,
  };
}

async function archiveOf(fleet: Fleet, version: string): Promise<{ url: string; sha256: string }> {
  const url = `${fleet.upstream.url}/gh-download/demo/demo_exporter/v${version}/${exporterAssetName(version)}`;
  const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
  return { url, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function ansibleUpgrade(
  fleet: Fleet,
  hosts: readonly AnsibleHost[],
  version: string,
  serial: readonly (number | string)[],
  forks: number,
  label: string,
): Promise<AnsibleRun> {
  const archive = await archiveOf(fleet, version);
  return runAnsible(join(fleet.dir, 'ansible', label), hosts, { version, ...archive, serial, forks });
}

async function expectServed(fleet: Fleet, version: string, what: string): Promise<void> {
  await eventually(
    async () => {
      const served = await fleet.servedVersions();
      return Object.values(served).every((v) => v === version) ? true : undefined;
    },
    `every host to serve ${version} ${what}`,
    60_000,
    500,
  );
}

const fmt = (seconds: number): string => (Number.isNaN(seconds) ? 'n/a' : seconds.toFixed(1));

async function main(): Promise<number> {
  const loadBefore = loadAverage();
  progress(
    `bench/rollout: ${String(hostCount)} hosts, ${String(hostsPerAgent)} per agent process, max parallel ${String(maxParallel)}, ${String(rounds)} round(s); load average ${loadBefore}`,
  );
  const names = Array.from({ length: hostCount }, (_, i) => `host-${String(i + 1).padStart(3, '0')}`);
  const setupStarted = performance.now();
  const fleet = await startFleet({
    hosts: names.map((name) => ({ name, groups: ['fleet'], labels: { role: 'web' } })),
    hostsPerAgent,
    heartbeatSeconds: 15,
    releases,
    policy: benchPolicy,
    controlPlaneLogLevel: 'warn',
    progress,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping the fleet`);
      void fleet.stop().finally(() => process.exit(130));
    });
  }
  progress(`fleet up in ${((performance.now() - setupStarted) / 1000).toFixed(0)} s`);
  try {
    // The waves as Upkeep plans them; Ansible gets the same hosts in the same batches.
    const plan = await fleet.api<{ waves: { hosts: { hostname: string }[] }[] }>(
      'POST',
      '/api/rollouts/plan',
      rolloutRequest(GOOD[0] ?? '1.0.2'),
    );
    if (plan.status !== 200) throw new Error(`plan: ${JSON.stringify(plan.body)}`);
    const ordered = plan.body.waves.flatMap((w) => w.hosts.map((h) => fleet.host(h.hostname)));
    const serial = plan.body.waves.map((w) => w.hosts.length).filter((n) => n > 0);
    const inventory = (hosts: readonly FleetHost[], failing: string | null): AnsibleHost[] =>
      hosts.map((h) => ({
        name: h.name,
        root: h.root,
        port: h.port,
        extraArgs: h.name === failing ? ['--collector.diskstats'] : [],
      }));
    say(
      `bench/rollout: ${String(hostCount)} hosts in waves of ${serial.join(' / ')} (Ansible serial: ${JSON.stringify(serial)}), max parallel ${String(maxParallel)} (Ansible forks ${String(maxParallel)}), bake time 0`,
    );
    say(`load average at start: ${loadBefore}`);

    const results: { ansible: AnsibleRun; upkeep: UpkeepRun; from: string; to: string }[] = [];
    let from = '1.0.0';
    for (let round = 0; round < rounds; round += 1) {
      const to = GOOD[round] ?? '1.0.2';
      progress(`round ${String(round + 1)}: Ansible ${from} -> ${to}`);
      const ansible = await ansibleUpgrade(
        fleet,
        inventory(ordered, null),
        to,
        serial,
        maxParallel,
        `r${String(round)}-up`,
      );
      if (ansible.code !== 0) throw new Error(`ansible failed:\n${ansible.output.slice(-4000)}`);
      await expectServed(fleet, to, 'after Ansible');
      progress(
        `round ${String(round + 1)}: Ansible ${ansible.wallSeconds.toFixed(1)} s; putting ${from} back (not timed)`,
      );
      const reset = await ansibleUpgrade(
        fleet,
        inventory(ordered, null),
        from,
        ['100%'],
        maxParallel,
        `r${String(round)}-reset`,
      );
      if (reset.code !== 0) throw new Error(`ansible reset failed:\n${reset.output.slice(-4000)}`);
      await expectServed(fleet, from, 'after the reset');
      progress(`round ${String(round + 1)}: Upkeep ${from} -> ${to}`);
      const upkeep = await upkeepRollout(fleet, to, 'completed');
      await expectServed(fleet, to, 'after Upkeep');
      progress(`round ${String(round + 1)}: Upkeep ${upkeep.wallSeconds.toFixed(1)} s`);
      results.push({ ansible, upkeep, from, to });
      from = to;
    }

    // The failure scenario: one host of the second wave still runs with a flag the new release dropped.
    const secondWave = plan.body.waves[1]?.hosts ?? [];
    const failingName = secondWave[Math.floor(secondWave.length / 2)]?.hostname ?? ordered[1]?.name ?? '';
    const failingHost = fleet.host(failingName);
    writeDemoHost(failingHost.root, {
      upstreamUrl: fleet.upstream.url,
      port: failingHost.port,
      extraArgs: ['--collector.diskstats'],
    });
    progress(`failure scenario: ${failingName} runs with --collector.diskstats, which ${FAILING} refuses`);
    const ansibleFail = await ansibleUpgrade(
      fleet,
      inventory(ordered, failingName),
      FAILING,
      serial,
      maxParallel,
      'fail',
    );
    const servedAfterAnsible = await fleet.servedVersions();
    const ansibleDown = Object.entries(servedAfterAnsible)
      .filter(([, v]) => v === null)
      .map(([n]) => n);
    const ansibleNew = Object.values(servedAfterAnsible).filter((v) => v === FAILING).length;
    const ansibleFailed = Object.entries(ansibleFail.recap)
      .filter(([, c]) => (c['failed'] ?? 0) > 0)
      .map(([n]) => n);
    progress(
      `failure scenario: Ansible exit ${String(ansibleFail.code)}, down: ${ansibleDown.join(', ') || 'none'}; putting ${from} back (not timed)`,
    );
    const reset = await ansibleUpgrade(
      fleet,
      inventory(ordered, failingName),
      from,
      ['100%'],
      maxParallel,
      'fail-reset',
    );
    if (reset.code !== 0) throw new Error(`ansible reset failed:\n${reset.output.slice(-4000)}`);
    await expectServed(fleet, from, 'after the reset');
    progress('failure scenario: Upkeep');
    const upkeepFail = await upkeepRollout(fleet, FAILING, 'paused');
    // The rollout reads paused as soon as the wave trips; its revert of the wave's upgraded hosts
    // comes after: hosts still dispatched finish first, then the driver sends each upgraded host
    // of the failed wave a rollback job (the host stays `succeeded`, message `rollback requested`,
    // until that job ends: `reverted`, or `revert failed: …`). Reading the fleet before then shows
    // those hosts on the new version. So wait, with a deadline, until no host is dispatched and no
    // upgraded host of a failed wave has a revert still to come.
    const revertPending = (view: RolloutView): string[] =>
      view.waves
        .filter((w) => w.state === 'failed')
        .flatMap((w) => w.hosts)
        .filter((h) => h.state === 'succeeded' && !(h.message ?? '').startsWith('revert '))
        .map((h) => h.hostname);
    const settledWhen = (view: RolloutView): boolean =>
      !view.waves.some((w) => w.hosts.some((h) => h.state === 'dispatched')) &&
      revertPending(view).length === 0;
    const revertStarted = performance.now();
    let revertsFinished = true;
    let settled: RolloutView;
    try {
      settled = await eventually(
        async () => {
          const view = await getRollout(fleet, upkeepFail.view.id);
          return settledWhen(view) ? view : undefined;
        },
        'the paused rollout to settle (dispatched hosts done, the failed wave reverted)',
        300_000,
        500,
      );
    } catch (error) {
      progress(`failure scenario: ${error instanceof Error ? error.message : String(error)}`);
      revertsFinished = false;
      settled = await getRollout(fleet, upkeepFail.view.id);
    }
    const revertSeconds = (performance.now() - revertStarted) / 1000;
    const revertedHosts = settled.waves
      .flatMap((w) => w.hosts)
      .filter((h) => h.state === 'reverted')
      .map((h) => h.hostname);
    const stillToRevert = revertPending(settled);
    const servedAfterUpkeep = await fleet.servedVersions();
    const upkeepDown = Object.entries(servedAfterUpkeep)
      .filter(([, v]) => v === null)
      .map(([n]) => n);
    const upkeepNew = Object.values(servedAfterUpkeep).filter((v) => v === FAILING).length;
    // revertWaveOnFailure reverts the tripped wave only; the waves before it completed and stay upgraded.
    const failedWaveOnNew = settled.waves
      .filter((w) => w.state === 'failed' || w.state === 'reverted')
      .flatMap((w) => w.hosts)
      .filter((h) => servedAfterUpkeep[h.hostname] === FAILING)
      .map((h) => h.hostname);
    const hostStates = new Map<string, number>();
    for (const host of settled.waves.flatMap((w) => w.hosts))
      hostStates.set(host.state, (hostStates.get(host.state) ?? 0) + 1);
    const failedHostState =
      settled.waves.flatMap((w) => w.hosts).find((h) => h.hostname === failingName)?.state ?? '?';

    const loadAfter = loadAverage();
    const ansibleWall = median(results.map((r) => r.ansible.wallSeconds));
    const upkeepWall = median(results.map((r) => r.upkeep.wallSeconds));
    const ansibleCpu = median(results.map((r) => r.ansible.cpuSeconds));
    const upkeepCp = median(results.map((r) => r.upkeep.controlPlaneCpu));
    const upkeepTotal = median(results.map((r) => r.upkeep.controlPlaneCpu + r.upkeep.agentCpu));
    const speedup = ansibleWall / upkeepWall;

    say();
    say(
      `The upgrade (${results.map((r) => `${r.from} -> ${r.to}`).join(', ')}), median of ${String(results.length)} round(s):`,
    );
    say('| tool    | wall s | control-plane CPU s | total CPU s | per host: wall ms / CPU ms |');
    say('| ------- | -----: | ------------------: | ----------: | -------------------------: |');
    say(
      `| Ansible | ${fmt(ansibleWall)} | - | ${fmt(ansibleCpu)} | ${((ansibleWall * 1000) / hostCount).toFixed(0)} / ${((ansibleCpu * 1000) / hostCount).toFixed(0)} |`,
    );
    say(
      `| Upkeep  | ${fmt(upkeepWall)} | ${fmt(upkeepCp)} | ${fmt(upkeepTotal)} | ${((upkeepWall * 1000) / hostCount).toFixed(0)} / ${((upkeepTotal * 1000) / hostCount).toFixed(0)} |`,
    );
    for (const [i, r] of results.entries()) {
      say(
        `  round ${String(i + 1)}: Ansible ${fmt(r.ansible.wallSeconds)} s (${fmt(r.ansible.cpuSeconds)} CPU s); Upkeep ${fmt(r.upkeep.wallSeconds)} s (control plane ${fmt(r.upkeep.controlPlaneCpu)} + agents ${fmt(r.upkeep.agentCpu)} CPU s)`,
      );
    }
    say(
      '  Total CPU: Ansible = ansible-playbook and every process it ran; Upkeep = control-plane process + agent',
    );
    say('  processes with the service commands they ran. Neither counts the exporters, Postgres or Redis.');
    say();
    say(
      `One host fails (${failingName} in the second wave still passes --collector.diskstats, which ${FAILING} dropped):`,
    );
    say('| tool    | wall s | exit / state | failed hosts | hosts left down | hosts on the new version |');
    say('| ------- | -----: | ------------ | ------------ | --------------- | -----------------------: |');
    say(
      `| Ansible | ${fmt(ansibleFail.wallSeconds)} | exit ${String(ansibleFail.code)}, play stopped | ${ansibleFailed.join(', ') || 'none'} | ${String(ansibleDown.length)} ${ansibleDown.length > 0 ? `(${ansibleDown.join(', ')})` : ''} | ${String(ansibleNew)} |`,
    );
    say(
      `| Upkeep  | ${fmt(upkeepFail.wallSeconds)} | ${settled.state}${settled.reason === null ? '' : ` (${settled.reason})`} | ${failingName}: ${failedHostState} | ${String(upkeepDown.length)} ${upkeepDown.length > 0 ? `(${upkeepDown.join(', ')})` : ''} | ${String(upkeepNew)} |`,
    );
    say(`  Upkeep host states: ${[...hostStates].map(([s, n]) => `${s} ${String(n)}`).join(', ')}`);
    say(
      `  Upkeep reverted ${String(revertedHosts.length)} host(s) of the failed wave ${fmt(revertSeconds)} s after the pause${revertedHosts.length > 0 ? ` (${revertedHosts.join(', ')})` : ''}${stillToRevert.length > 0 ? `; not reverted: ${stillToRevert.join(', ')}` : ''}; of that wave on ${FAILING} when read: ${failedWaveOnNew.join(', ') || 'none'}`,
    );
    say();
    say(`load average at start ${loadBefore}, at end ${loadAfter} (2 cores shared)`);
    say();
    const targets: [string, boolean][] = [
      [`Upkeep at least 3x faster than Ansible (${speedup.toFixed(1)}x)`, speedup >= 3],
      [`Upkeep leaves no host down when one fails (${String(upkeepDown.length)})`, upkeepDown.length === 0],
      [`Upkeep paused the rollout at the failure (${settled.state})`, settled.state === 'paused'],
      [
        `Upkeep reverted the failed wave's upgraded hosts (${String(revertedHosts.length)} reverted, ${String(stillToRevert.length)} not${revertsFinished ? '' : ', deadline passed'})`,
        revertsFinished && stillToRevert.length === 0 && failedWaveOnNew.length === 0,
      ],
    ];
    for (const [what, ok] of targets) say(`${ok ? 'PASS' : 'FAIL'} ${what}`);
    return targets.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    progress('stopping the fleet');
    await fleet.stop({ keepDir: args.keep });
    if (args.keep) progress(`kept ${fleet.dir}`);
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(
    `bench/rollout failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
