/**
 * `pnpm demo`: Upkeep on one host, no server. It builds a tiny exporter in four
 * versions, publishes them as release archives with a checksum file through a
 * local upstream (a GitHub releases API on 127.0.0.1), lays out a host in a
 * temporary folder, and runs `upkeep-agent --root <folder>` on it:
 * install 1.0.0, upgrade to 1.1.0, the 2.0.0 major held for manual approval,
 * the broken 1.2.0 rolled back by itself, then history and status.
 * `pnpm demo --keep` leaves the host folder behind to look around.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO_COMPONENT,
  DEMO_REPO,
  demoPaths,
  stopDemoService,
  writeDemoHost,
} from '../test/support/agent/demo-host.ts';
import { servedVersion } from '../test/support/exporter/exporter-program.ts';
import { exporterRelease, type ExporterReleaseSpec } from '../test/support/exporter/exporter-releases.ts';
import { freePort } from '../test/support/free-port.ts';
import { sha256Hex, startUpstream, type Upstream } from '../test/support/upstream/index.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const tty = process.stdout.isTTY;
const bold = (text: string) => (tty ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string) => (tty ? `\x1b[2m${text}\x1b[0m` : text);
const started = performance.now();
const say = (text = '') => process.stdout.write(`${text}\n`);

const releases: (ExporterReleaseSpec & { what: string })[] = [
  { version: '1.0.0', what: 'good', published_at: '2026-06-01T00:00:00Z', notes: '* First release' },
  {
    version: '1.1.0',
    what: 'good',
    published_at: '2026-07-01T00:00:00Z',
    notes: '* [FEATURE] uptime metric',
  },
  {
    version: '2.0.0',
    what: 'breaking: drops the --collector.diskstats flag this host runs with',
    behaviour: 'no-diskstats-flag',
    published_at: '2026-08-01T00:00:00Z',
    notes: '* [CHANGE] Removed the deprecated --collector.diskstats flag',
  },
  {
    version: '1.2.0',
    what: 'broken: /metrics answers 500, so it fails its health check',
    behaviour: 'unhealthy',
    published_at: '2026-08-15T00:00:00Z',
    notes: '* [ENHANCEMENT] faster collectors',
  },
];

let upstream: Upstream | null = null;
let root: string | null = null;
let running: ChildProcess | null = null;
let cleaned = false;

async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  if (running !== null && running.exitCode === null) running.kill('SIGKILL');
  if (root !== null) {
    stopDemoService(root);
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
  await upstream?.close();
}

process.once('SIGINT', () => {
  say('\ninterrupted: stopping the exporter and removing the host folder');
  void cleanUp().finally(() => process.exit(130));
});

/** Runs `upkeep-agent <args> --root <host>` as its own process and shows what it prints. */
function agent(title: string, args: readonly string[], host: string): Promise<number> {
  say();
  say(`${bold(`$ upkeep-agent ${args.join(' ')}`)}   ${dim(`# ${title}`)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repo, 'apps/agent/src/main.ts'), ...args, '--root', host, '--log-file', demoPaths(host).log],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running = child;
    const indent = (chunk: Buffer) => chunk.toString().replace(/^(?=.)/gm, '  ');
    child.stdout.on('data', (chunk: Buffer) => process.stdout.write(indent(chunk)));
    child.stderr.on('data', (chunk: Buffer) => process.stdout.write(indent(chunk)));
    child.on('error', reject);
    child.on('close', (code) => {
      running = null;
      say(dim(`  (exit ${String(code ?? 'signal')})`));
      resolve(code ?? 1);
    });
  });
}

async function answers(port: number): Promise<void> {
  const version = await servedVersion(port);
  say(
    `  ${bold('exporter on 127.0.0.1:' + String(port))}: ${version === null ? 'not answering' : `serves version ${version}`}`,
  );
}

try {
  say(bold('Upkeep one-host demo: upkeep-agent on a host in a folder, against a local upstream'));
  say();
  say('1. Build demo_exporter in four versions and publish them as release archives + sha256sums.txt');
  const published = releases.map((r) => exporterRelease(r, process.execPath));
  upstream = await startUpstream({ github: { [DEMO_REPO]: [...published].reverse() } });
  for (const [index, spec] of releases.entries()) {
    const archive = published[index]?.assets?.[0];
    const sha = archive === undefined ? '' : sha256Hex(archive.content).slice(0, 12);
    say(`   v${spec.version}  ${spec.what.padEnd(66)} sha256 ${sha}…`);
  }
  say(`   upstream: ${upstream.url} (GitHub's releases API, github_api.base_url points at it)`);

  root = mkdtempSync(join(tmpdir(), 'upkeep-demo-host-'));
  const port = await freePort();
  writeDemoHost(root, { upstreamUrl: upstream.url, port, extraArgs: ['--collector.diskstats'] });
  say();
  say(`2. A host in ${root}`);
  say(
    `   /etc/upkeep/versions.yaml: ${DEMO_COMPONENT}, strategy latest, from ${DEMO_REPO}, checksums required,`,
  );
  say('   health check GET /metrics, breaking change 2.0.0 "--collector.diskstats removed";');
  say(
    `   the service runs: demo_exporter --web.listen-address=127.0.0.1:${String(port)} --collector.diskstats`,
  );
  say('   (the `command` service manager starts and stops it, like runit or supervisord would)');

  say();
  say('3. The agent at work');
  await agent('first install', ['upgrade', DEMO_COMPONENT, '1.0.0'], root);
  await answers(port);
  await agent('a minor upgrade', ['upgrade', DEMO_COMPONENT, '1.1.0'], root);
  await answers(port);
  await agent('the strategy picks 2.0.0: a major that breaks this host', ['upgrade', DEMO_COMPONENT], root);
  await answers(port);
  await agent(
    '1.2.0 fails its health check and is rolled back by itself',
    ['upgrade', DEMO_COMPONENT, '1.2.0'],
    root,
  );
  await answers(port);
  await agent('what happened, and why', ['history'], root);
  await agent('the host now', ['status'], root);

  const events = readFileSync(demoPaths(root).log, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { event?: string }).event ?? '?');
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event, (counts.get(event) ?? 0) + 1);
  say();
  say(
    `4. Structured log (/var/log/upkeep-agent.log, JSON lines): ${[...counts]
      .filter(([event]) => !['upgrade_step', 'download_progress'].includes(event))
      .map(([event, n]) => `${event} x${String(n)}`)
      .join(', ')}`,
  );
  const metrics = readFileSync(demoPaths(root).metrics, 'utf8')
    .split('\n')
    .filter((line) => /^upkeep_(component_info|upgrade_attempts_total|rollback_executions_total)/.test(line));
  say(
    "   Metrics for node_exporter's textfile collector (/var/lib/node_exporter/textfile_collector/upkeep.prom):",
  );
  for (const line of metrics) say(`     ${line}`);
  say();
  say(
    `Done in ${((performance.now() - started) / 1000).toFixed(1)} s.${keep ? ` The host folder is kept: ${root}` : ' The exporter is stopped and the host folder removed (pnpm demo --keep keeps it).'}`,
  );
} finally {
  await cleanUp();
}
