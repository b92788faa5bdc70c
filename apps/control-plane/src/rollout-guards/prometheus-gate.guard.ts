import { errorMessage } from '@upkeep/errors';
import { conditionHolds, parseSuccessCondition, type SuccessCondition } from '@upkeep/policy';
import type { RolloutGuard, RolloutGuardContext, RolloutGuardVerdict } from '../rollouts/rollout-guard.ts';
import { expandHostPlaceholders } from './host-pattern.ts';
import type { PrometheusPort, PrometheusSeries } from './prometheus.repository.ts';
import type { FrozenGate, RolloutFactsPort } from './rollout-facts.ts';

/** Most points a `for` range query asks for per series (Prometheus refuses more than 11,000). */
const MAX_POINTS = 240;

const OK: RolloutGuardVerdict = { ok: true };

function describeSeries(series: PrometheusSeries): string {
  const labels = Object.entries(series.labels)
    .filter(([name]) => name !== '__name__')
    .map(([name, value]) => `${name}="${value}"`)
    .join(',');
  return labels === '' ? (series.labels.__name__ ?? 'the result') : `{${labels}}`;
}

/**
 * `prometheus_gate`: before a wave is promoted, each of the rollout's gates must hold on the
 * fleet's Prometheus. Without `for`, an instant query now; with `for`, a range query over that
 * duration whose every sample holds and whose data covers the whole duration. No data, a query
 * error, a timeout or an unreadable condition hold the wave with the reason; dispatches within a
 * wave are not gated.
 */
export class PrometheusGateGuard implements RolloutGuard {
  readonly name = 'prometheus_gate';

  private readonly facts: RolloutFactsPort;
  private readonly prometheus: PrometheusPort | null;
  /** How soon to ask again after a gate does not hold. */
  private readonly retryMs: number;

  constructor(facts: RolloutFactsPort, prometheus: PrometheusPort | null, retryMs = 30_000) {
    this.facts = facts;
    this.prometheus = prometheus;
    this.retryMs = retryMs;
  }

  async check(context: RolloutGuardContext): Promise<RolloutGuardVerdict> {
    if (context.phase !== 'promote') return OK;
    const facts = await this.facts.factsOf(context.rolloutId);
    const gates = facts?.gates ?? [];
    if (gates.length === 0) return OK;
    const retryAt = new Date(context.now.getTime() + this.retryMs);
    if (this.prometheus === null) {
      return {
        ok: false,
        reason: `the rollout has ${String(gates.length)} Prometheus gate(s) but UPKEEP_PROMETHEUS_URL is not set`,
        retryAt,
      };
    }
    const hostnames = context.hosts.map((host) => host.hostname);
    for (const [index, gate] of gates.entries()) {
      const reason = await this.failureOf(this.prometheus, gate, hostnames, context.now);
      if (reason !== undefined) {
        return {
          ok: false,
          reason: `gate ${String(index + 1)} (${gate.query} ${gate.successCondition}): ${reason}`,
          retryAt,
        };
      }
    }
    return OK;
  }

  /** Why the gate does not hold, or undefined when it does. */
  private async failureOf(
    prometheus: PrometheusPort,
    gate: FrozenGate,
    hostnames: readonly string[],
    now: Date,
  ): Promise<string | undefined> {
    const parsed = parseSuccessCondition(gate.successCondition);
    if (!parsed.ok) return `the success condition cannot be read: ${parsed.reason}`;
    if (gate.query.trim() === '') return 'the gate has no query';
    if (!Number.isFinite(gate.forSeconds) || gate.forSeconds < 0) return 'its "for" is not a duration';
    const query = expandHostPlaceholders(gate.query, hostnames);
    let series: PrometheusSeries[];
    const forSeconds = Math.floor(gate.forSeconds);
    const step = Math.max(1, Math.ceil(forSeconds / MAX_POINTS));
    const start = new Date(now.getTime() - forSeconds * 1000);
    try {
      series =
        forSeconds === 0
          ? await prometheus.instantQuery(query, now)
          : await prometheus.rangeQuery(query, start, now, step);
    } catch (error) {
      return `the query failed: ${errorMessage(error)}`;
    }
    const withData = series.filter((one) => one.samples.length > 0);
    if (withData.length === 0) return `no data for ${query}`;
    return forSeconds === 0
      ? this.instantFailure(parsed.condition, withData)
      : this.rangeFailure(parsed.condition, withData, start, now, step, forSeconds);
  }

  private instantFailure(
    condition: SuccessCondition,
    series: readonly PrometheusSeries[],
  ): string | undefined {
    for (const one of series) {
      const sample = one.samples.at(-1);
      if (sample !== undefined && !conditionHolds(condition, sample.value)) {
        return `${describeSeries(one)} is ${String(sample.value)}, not ${condition.text}`;
      }
    }
    return undefined;
  }

  private rangeFailure(
    condition: SuccessCondition,
    series: readonly PrometheusSeries[],
    start: Date,
    end: Date,
    stepSeconds: number,
    forSeconds: number,
  ): string | undefined {
    const slack = stepSeconds * 1000;
    for (const one of series) {
      const broken = one.samples.find((sample) => !conditionHolds(condition, sample.value));
      if (broken !== undefined) {
        return `${describeSeries(one)} was ${String(broken.value)} at ${broken.at.toISOString()}, not ${condition.text} for ${String(forSeconds)}s`;
      }
      const first = one.samples[0];
      const last = one.samples.at(-1);
      if (first === undefined || last === undefined) continue;
      if (first.at.getTime() > start.getTime() + slack || last.at.getTime() < end.getTime() - slack) {
        const covered = Math.max(0, Math.round((last.at.getTime() - first.at.getTime()) / 1000));
        return `${describeSeries(one)} has data for only ${String(covered)}s of the ${String(forSeconds)}s it must hold`;
      }
      const gaps = one.samples.some(
        (sample, index) =>
          index > 0 && sample.at.getTime() - (one.samples[index - 1]?.at.getTime() ?? 0) > slack * 1.5,
      );
      if (gaps) return `${describeSeries(one)} has gaps in the last ${String(forSeconds)}s`;
    }
    return undefined;
  }
}
