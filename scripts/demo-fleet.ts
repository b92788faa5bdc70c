/**
 * `pnpm demo:fleet`: Upkeep as a fleet on one machine. With Postgres and Redis
 * reachable (DATABASE_URL, REDIS_URL; default the local ones), it starts the
 * control plane in a schema and queue prefix of its own, a local upstream that
 * publishes demo_exporter, five hosts in folders under a temp dir served by real
 * `upkeep-agent run` processes, and plays a staged rollout story: a broken patch
 * the canary's agent rolls back by itself (the rollout pauses, nothing else is
 * touched), then a major version held for approval, approved by two approvers
 * with the `upkeep` command line, rolled out wave by wave. Then it prints the
 * console URL and API tokens and stays up until Ctrl-C, which cleans up
 * everything. `--exit` stops after the story.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ensureConsoleBuilt } from '../test/support/console/console-build.ts';
import { DEMO_COMPONENT, startFleet, type Fleet } from '../test/support/fleet/fleet.ts';
import { FLEET_RELEASES } from '../test/support/fleet/fleet-releases.ts';
import {
  createRollout,
  waitForRollout,
  type RolloutView,
  type WaveSpec,
} from '../test/support/fleet/rollout-client.ts';

const { values: args } = parseArgs({
  options: {
    exit: { type: 'boolean', default: false },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(`usage: pnpm demo:fleet [--exit] [--port N]
  --exit    stop after the story instead of staying up until Ctrl-C
  --port N  the control plane's HTTP port (console and REST API; default a free one)
environment: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test), REDIS_URL (default redis://127.0.0.1:6379)
`);
  process.exit(0);
}

const tty = process.stdout.isTTY;
const bold = (text: string) => (tty ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string) => (tty ? `\x1b[2m${text}\x1b[0m` : text);
const say = (text = '') => process.stdout.write(`${text}\n`);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;

const HOSTS = [
  { name: 'canary-1', groups: ['canary'], labels: { role: 'web' } },
  { name: 'db-1', groups: ['db'], labels: { role: 'db' } },
  { name: 'web-1', groups: ['web'], labels: { role: 'web' } },
  { name: 'web-2', groups: ['web'], labels: { role: 'web' } },
  { name: 'web-3', groups: ['web'], labels: { role: 'web' } },
];
const WAVES: WaveSpec[] = [
  { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 2, failureThreshold: '1' },
  { name: 'early', size: '40%', maxParallel: 1, bakeSeconds: 2, failureThreshold: '1' },
  { name: 'rest', size: '100%', maxParallel: 3, bakeSeconds: 0, failureThreshold: '1' },
];
const ROLLOUT_TIMEOUT = 600_000;

// Set once the fleet is up; read by the signal handlers.
const running: { fleet: Fleet | null } = { fleet: null };
let stopping: Promise<void> | null = null;

function stop(): Promise<void> {
  stopping ??= (async () => {
    await running.fleet?.stop();
  })();
  return stopping;
}

process.on('SIGINT', () => {
  say(
    '\nCtrl-C: stopping the agents, the exporters, the control plane (its schema and queue keys are dropped)',
  );
  void stop().finally(() => process.exit(130));
});
process.on('SIGTERM', () => {
  void stop().finally(() => process.exit(143));
});

/** Prints each host's change of state as the rollout moves. */
function narrator(): (view: RolloutView) => void {
  const seen = new Map<string, string>();
  let state = '';
  return (view) => {
    if (view.state !== state) {
      state = view.state;
      say(
        `   ${dim(elapsed())}  rollout ${bold(view.state)}${view.reason === null || view.reason === '' ? '' : `: ${view.reason}`}`,
      );
    }
    for (const wave of view.waves) {
      const key = `wave:${wave.name}`;
      if (seen.get(key) !== wave.state) {
        seen.set(key, wave.state);
        if (wave.state !== 'pending') say(`   ${dim(elapsed())}    wave ${wave.name}: ${wave.state}`);
      }
      for (const host of wave.hosts) {
        if (seen.get(host.hostId) !== host.state) {
          seen.set(host.hostId, host.state);
          if (host.state !== 'pending')
            say(
              `   ${dim(elapsed())}      ${host.hostname.padEnd(9)} ${host.state}${host.message === null || host.message === '' ? '' : dim(`  ${host.message}`)}`,
            );
        }
      }
    }
  };
}

async function showFleet(f: Fleet): Promise<void> {
  const served = await f.servedVersions();
  for (const host of f.hosts) {
    say(
      `     ${host.name.padEnd(9)} groups ${host.groups.join(',').padEnd(7)} ${DEMO_COMPONENT} on 127.0.0.1:${String(host.port)} serves ${served[host.name] ?? 'nothing'}`,
    );
  }
}

async function main(): Promise<Fleet> {
  say(bold('Upkeep fleet demo: a control plane, five hosts with real agents, staged rollouts'));
  say();
  say('1. Everything starts on this machine (Postgres and Redis must be reachable)');
  const suffix = randomBytes(4).toString('hex');
  const f = await startFleet({
    hosts: HOSTS,
    hostsPerAgent: 3,
    schema: `demo_${suffix}`,
    queuePrefix: `demo-${suffix}`,
    ...(process.env['DATABASE_URL'] === undefined ? {} : { databaseUrl: process.env['DATABASE_URL'] }),
    ...(process.env['REDIS_URL'] === undefined ? {} : { redisUrl: process.env['REDIS_URL'] }),
    ...(args.port === undefined ? {} : { httpPort: Number(args.port) }),
    progress: (line) => {
      say(`   ${dim(elapsed())}  ${line}`);
    },
  });
  running.fleet = f;
  say();
  say(`   upstream ${f.upstream.url} publishes ${DEMO_COMPONENT}:`);
  for (const release of FLEET_RELEASES) say(`     ${release.version.padEnd(6)} ${release.what}`);
  say(
    `   control plane ${f.controlPlane.httpUrl} (pid ${String(f.controlPlane.pid)}, schema ${f.controlPlane.schema}, queue prefix ${f.controlPlane.queuePrefix})`,
  );
  say(
    `   ${String(f.agents.length)} agent processes serve ${String(f.hosts.length)} host folders under ${f.dir}/hosts:`,
  );
  await showFleet(f);

  say();
  say(
    `2. A broken patch, ${DEMO_COMPONENT} 1.0.1, rolled out in three waves (canary: 1 host, then 40%, then the rest)`,
  );
  const broken = await createRollout(f, {
    component: DEMO_COMPONENT,
    environment: 'prod',
    target: { version: '1.0.1' },
    selector: { groups: ['canary', 'web', 'db'] },
    waves: WAVES,
    onFailure: 'pause',
  });
  const before = f.binaryHashes();
  await waitForRollout(f, broken.id, ['paused'], ROLLOUT_TIMEOUT, narrator());
  const unchanged = Object.entries(f.binaryHashes()).filter(([name, hash]) => before[name] === hash).length;
  say(`   The canary's agent rolled 1.0.1 back by itself; the rollout paused before the next wave.`);
  say(`   Binaries byte-identical to before on ${String(unchanged)} of ${String(f.hosts.length)} hosts:`);
  await showFleet(f);
  const abort = await f.upkeep(['rollout', 'abort', broken.id]);
  say(`   $ upkeep rollout abort ${broken.id}   ${dim(abort.code === 0 ? 'aborted' : abort.stderr.trim())}`);

  say();
  say(`3. A major version, ${DEMO_COMPONENT} 2.0.0: policy holds it for approval`);
  const major = await createRollout(f, {
    component: DEMO_COMPONENT,
    environment: 'prod',
    target: { version: '2.0.0' },
    selector: { groups: ['canary', 'web', 'db'] },
    waves: WAVES,
    onFailure: 'pause',
  });
  const narrate = narrator();
  const held = await waitForRollout(f, major.id, ['awaiting_approval'], ROLLOUT_TIMEOUT, narrate);
  say(`   ${String(held.requiredApprovals)} approval(s) required; approvers use the command line:`);
  const approvers = [f.tokens.approver, f.tokens.approver2];
  for (let i = 0; i < held.requiredApprovals; i += 1) {
    const approved = await f.upkeep(
      ['rollout', 'approve', major.id, '--comment', `approver ${String(i + 1)}: release notes reviewed`],
      approvers[i],
    );
    say(
      `   $ upkeep rollout approve ${major.id} --comment "..."   ${dim(approved.code === 0 ? 'approved' : approved.stderr.trim())}`,
    );
  }
  await waitForRollout(f, major.id, ['completed'], ROLLOUT_TIMEOUT, narrate);
  await showFleet(f);

  say();
  say(bold(`Done in ${elapsed().trim()}.`));
  const history = await f.upkeep(['history', '--limit', '5']);
  if (history.code === 0 && history.stdout.trim() !== '') {
    say('   The audit trail (upkeep history --limit 5):');
    for (const line of history.stdout.trimEnd().split('\n')) say(`     ${line}`);
  }
  return f;
}

try {
  const f = await main();
  if (!args.exit) {
    say();
    say(dim('building the web console (once; reused while its sources do not change)'));
    await ensureConsoleBuilt();
    say();
    say(bold('The fleet stays up until Ctrl-C:'));
    say(`   console and REST API   ${f.controlPlane.httpUrl}/`);
    say(`   admin API token        ${f.tokens.admin}`);
    say(`   approver API token     ${f.tokens.approver}`);
    say(
      `   command line           pnpm -s upkeep login --server ${f.controlPlane.httpUrl}   (paste a token)`,
    );
    say(`   OpenAPI                ${f.controlPlane.httpUrl}/api/docs`);
    await new Promise<never>(() => undefined);
  }
  await stop();
} catch (error) {
  process.stderr.write(`demo:fleet failed: ${error instanceof Error ? error.message : String(error)}\n`);
  const failed = running.fleet;
  if (failed !== null)
    process.stderr.write(`control plane log (tail):\n${failed.controlPlane.log().slice(-3000)}\n`);
  await stop();
  process.exit(1);
}
