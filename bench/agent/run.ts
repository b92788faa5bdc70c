/**
 * Agent benchmark (issue 4): prints, from one run (machines are shared and
 * noisy, so every comparison is between figures taken side by side):
 *   (a) the downtime of an upgrade against the service's own restart time
 *       (target: median within 100 ms of it, over 20 upgrades);
 *   (b) download + verify throughput of a 500 MiB artifact on loopback
 *       against `curl -o` + `sha256sum` (target: at least 0.8 of it);
 *   (c) the agent's peak RSS during (b) (target: under 120 MiB, and the same
 *       for 100 MiB and 500 MiB).
 * Run: node bench/agent/run.ts   (exit code 1 when a target is missed)
 * Knobs: BENCH_ROUNDS (20), BENCH_RUNS (5), BENCH_LARGE_MIB (500),
 * BENCH_SMALL_MIB (100); files go under TMPDIR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_HEALTH_TIMING, OBSERVER_INTERVAL_MS, runDowntimeBench } from './downtime-bench.ts';
import { median, spread } from './stats.ts';
import { MiB, runThroughputBench } from './throughput-bench.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 20);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const LARGE_MIB = Number(process.env['BENCH_LARGE_MIB'] ?? 500);
const SMALL_MIB = Number(process.env['BENCH_SMALL_MIB'] ?? 100);
const DOWNTIME_BUDGET_MS = 100;
const THROUGHPUT_RATIO = 0.8;
const RSS_LIMIT_MIB = 120;
/** Peak RSS "constant in artifact size": the larger artifact may not cost more than this. */
const RSS_SIZE_TOLERANCE_MIB = 4;

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const row = (label: string, values: string): string => `    ${label.padEnd(46)} ${values}`;

const dir = mkdtempSync(join(tmpdir(), 'upkeep-bench-agent-'));
try {
  progress(`(a) ${String(ROUNDS)} rounds of upgrade + restart`);
  const rounds = await runDowntimeBench(ROUNDS, progress);
  progress(`(b)(c) ${String(RUNS)} runs each`);
  const tp = await runThroughputBench(dir, { largeMiB: LARGE_MIB, smallMiB: SMALL_MIB }, RUNS, progress);

  const upgrade = rounds.map((r) => r.upgradeMs);
  const restart = rounds.map((r) => r.restartMs);
  const upgradeSeen = rounds.map((r) => r.upgradeObservedMs);
  const restartSeen = rounds.map((r) => r.restartObservedMs);
  const overhead = median(upgrade) - median(restart);
  const overheadSeen = median(upgradeSeen) - median(restartSeen);
  const pairedOverhead = median(rounds.map((r) => r.upgradeMs - r.restartMs));

  const mibPerS = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);
  const agentMs = median(tp.agentLarge.map((r) => r.ms));
  const curlMs = median(tp.curlLarge.map((r) => r.ms));
  const ratio = curlMs / agentMs;

  const loaded = median([...tp.agentLarge, ...tp.agentSmall].map((r) => r.loadedRssMiB));
  const peakSmall = median(tp.agentSmall.map((r) => r.peakRssMiB));
  const peakLarge = median(tp.agentLarge.map((r) => r.peakRssMiB));
  const peakMax = Math.max(...[...tp.agentLarge, ...tp.agentSmall].map((r) => r.peakRssMiB));

  console.log(
    `agent bench: node ${process.version}, ${process.platform} ${process.arch}, ${String(availableParallelism())} CPUs; all figures from this one run`,
  );
  console.log('');
  console.log(
    `(a) downtime: ${String(ROUNDS)} upgrades (UpgradeExecutor, alternating 1.0.0 <-> 1.1.0) against ${String(ROUNDS)} plain restarts of the same service, interleaved`,
  );
  console.log(
    `    service: the fake exporter (a real process serving HTTP) under the \`command\` service manager; health check GET /health every ${String(BENCH_HEALTH_TIMING.intervalMs)} ms; observer GET every ${String(OBSERVER_INTERVAL_MS)} ms`,
  );
  console.log(row('', 'min / median / max ms'));
  console.log(row('upgrade, stop -> first healthy answer', spread(upgrade)));
  console.log(row('restart, stop -> first healthy answer', spread(restart)));
  console.log(row('upgrade, outage seen from outside', spread(upgradeSeen)));
  console.log(row('restart, outage seen from outside', spread(restartSeen)));
  console.log(
    row(
      'upgrade minus restart (medians)',
      `${overhead.toFixed(0)} ms (from outside: ${overheadSeen.toFixed(0)} ms; median of per-round differences: ${pairedOverhead.toFixed(0)} ms)`,
    ),
  );
  console.log('');
  console.log(
    `(b) download + verify of a ${String(LARGE_MIB)} MiB artifact from a node:http server (own process, Range support) on loopback, ${String(RUNS)} runs each, interleaved`,
  );
  console.log(row('', 'min / median / max ms     median MiB/s'));
  console.log(
    row(
      'agent: downloadArtifact + verifyChecksum',
      `${spread(tp.agentLarge.map((r) => r.ms))}     ${mibPerS(tp.large.bytes, agentMs).toFixed(0)}`,
    ),
  );
  console.log(
    row(
      'curl -o, then sha256sum',
      `${spread(tp.curlLarge.map((r) => r.ms))}     ${mibPerS(tp.large.bytes, curlMs).toFixed(0)}`,
    ),
  );
  console.log(
    row(
      '  of which curl / sha256sum (medians)',
      `${median(tp.curlLarge.map((r) => r.curlMs)).toFixed(0)} / ${median(tp.curlLarge.map((r) => r.sha256sumMs)).toFixed(0)} ms`,
    ),
  );
  console.log(
    row(
      'agent process incl. Node start-up (median)',
      `${median(tp.agentLarge.map((r) => r.processMs)).toFixed(0)} ms`,
    ),
  );
  console.log(row('agent throughput / curl + sha256sum', ratio.toFixed(2)));
  console.log('');
  console.log(
    `(c) peak RSS (VmHWM) of a process that loads the agent (apps/agent/src/index.ts) and runs only download + verify`,
  );
  console.log(row('', 'min / median / max MiB'));
  console.log(
    row(
      'agent loaded, before the download',
      spread(
        [...tp.agentLarge, ...tp.agentSmall].map((r) => r.loadedRssMiB),
        1,
      ),
    ),
  );
  console.log(
    row(
      `peak, ${String(SMALL_MIB)} MiB artifact`,
      spread(
        tp.agentSmall.map((r) => r.peakRssMiB),
        1,
      ),
    ),
  );
  console.log(
    row(
      `peak, ${String(LARGE_MIB)} MiB artifact`,
      spread(
        tp.agentLarge.map((r) => r.peakRssMiB),
        1,
      ),
    ),
  );
  console.log(
    row(
      'download + verify on top of the loaded agent',
      `${(peakLarge - loaded).toFixed(1)} MiB (${String(LARGE_MIB)} MiB), ${(peakSmall - loaded).toFixed(1)} MiB (${String(SMALL_MIB)} MiB)`,
    ),
  );

  console.log(
    row(
      'for comparison, through node:http (one run)',
      `${tp.nodeHttpLarge.peakRssMiB.toFixed(1)} MiB (${String(LARGE_MIB)} MiB, ${tp.nodeHttpLarge.ms.toFixed(0)} ms), ${tp.nodeHttpSmall.peakRssMiB.toFixed(1)} MiB (${String(SMALL_MIB)} MiB)`,
    ),
  );

  const targets = [
    {
      name: `(a) upgrade downtime within ${String(DOWNTIME_BUDGET_MS)} ms of a restart (median ${median(upgrade).toFixed(0)} ms vs ${median(restart).toFixed(0)} ms: ${overhead >= 0 ? '+' : ''}${overhead.toFixed(0)} ms; from outside ${overheadSeen >= 0 ? '+' : ''}${overheadSeen.toFixed(0)} ms)`,
      ok: overhead <= DOWNTIME_BUDGET_MS && overheadSeen <= DOWNTIME_BUDGET_MS,
    },
    {
      name: `(b) download + verify at least ${String(THROUGHPUT_RATIO)} of curl + sha256sum (${ratio.toFixed(2)})`,
      ok: ratio >= THROUGHPUT_RATIO,
    },
    {
      name: `(c) peak RSS under ${String(RSS_LIMIT_MIB)} MiB (highest of all runs ${peakMax.toFixed(1)} MiB)`,
      ok: peakMax < RSS_LIMIT_MIB,
    },
    {
      name: `(c) peak RSS constant in artifact size (${String(LARGE_MIB)} MiB: ${peakLarge.toFixed(1)}, ${String(SMALL_MIB)} MiB: ${peakSmall.toFixed(1)}; tolerance ${String(RSS_SIZE_TOLERANCE_MIB)} MiB)`,
      ok: peakLarge - peakSmall <= RSS_SIZE_TOLERANCE_MIB,
    },
  ];
  console.log('');
  for (const target of targets) console.log(`${target.ok ? 'PASS' : 'FAIL'}  ${target.name}`);
  process.exitCode = targets.every((target) => target.ok) ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
