import { Inject, Injectable } from '@nestjs/common';
import { errorMessage, UpkeepError } from '@upkeep/errors';
import {
  decideUpgrade,
  decisionInputFor,
  readOsvRecord,
  resolveInputFor,
  type OsvRecord,
  type PolicyConfig,
  type UpgradeDecision,
} from '@upkeep/policy';
import {
  parseVersion,
  resolveVersion,
  STRATEGIES,
  versionsEqual,
  type Resolution,
  type StrategyName,
} from '@upkeep/versioning';
import { CLOCK, CONFIG } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import { CatalogRepository, type StoredRelease } from '../discovery/catalog.repository.ts';
import { UpkeepMetrics } from '../metrics/upkeep-metrics.ts';
import { FleetCheckRepository } from './fleet-check.repository.ts';
import type { DriftCount, FleetCheckFilter, FleetCheckRow, FleetDecision } from './fleet-check.ts';

/** The host label that picks the `environments.<name>` overlay of versions.yaml. */
export const ENVIRONMENT_LABEL = 'env';

export type Target = { ok: true; resolution: Resolution } | { ok: false; message: string };

function decisionView(decision: UpgradeDecision): FleetDecision {
  return {
    action: decision.action,
    approved: decision.approved,
    riskLevel: decision.risk_level,
    requiresManual: decision.requires_manual,
    securityFix: decision.security_fix,
    warnings: decision.warnings,
    failedChecks: decision.safety_checks.filter((check) => !check.passed).map((check) => check.check),
  };
}

/** Equal as versions (`v1.8.2` is `1.8.2`); text that is not a version only equals itself. */
function sameVersion(a: string, b: string): boolean {
  try {
    return versionsEqual(parseVersion(a), parseVersion(b));
  } catch {
    return a === b;
  }
}

/**
 * `GET /api/check`: every host × installed component, current version against the
 * target `resolveVersion` picks from the stored releases (in the host's environment),
 * and the decision `decideUpgrade` makes knowing the host's other components.
 * Reads only Postgres: discovery keeps the releases current.
 */
@Injectable()
export class FleetCheckService {
  private readonly config: AppConfig;
  private readonly clock: Clock;
  private readonly hosts: FleetCheckRepository;
  private readonly catalog: CatalogRepository;
  private readonly metrics: UpkeepMetrics;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(CLOCK) clock: Clock,
    @Inject(FleetCheckRepository) hosts: FleetCheckRepository,
    @Inject(CatalogRepository) catalog: CatalogRepository,
    @Inject(UpkeepMetrics) metrics: UpkeepMetrics,
  ) {
    this.metrics = metrics;
    metrics.addFleetGauge(
      'upkeep_hosts_drifting',
      "Active hosts not on the version versions.yaml resolves for their environment (label env; '' when none)",
      ['component', 'environment'],
      async () =>
        (await this.drift()).map((row) => ({
          labels: { component: row.component, environment: row.environment },
          value: row.drifting,
        })),
    );
    this.config = config;
    this.clock = clock;
    this.hosts = hosts;
    this.catalog = catalog;
  }

  async check(filter: FleetCheckFilter): Promise<FleetCheckRow[]> {
    const policy = this.config.policy?.config ?? null;
    const hosts = await this.hosts.hostsWithInventory(filter);
    const managed = new Set(Object.keys(policy?.components ?? {}));
    const names = [...managed].filter((name) => filter.component === undefined || name === filter.component);
    const [releases, advisories] = await Promise.all([
      this.catalog.releasesOf(names),
      this.catalog.advisoriesOf(names),
    ]);
    const now = this.clock.now();
    const targets = new Map<string, Target>();
    const rows: FleetCheckRow[] = [];
    for (const host of hosts) {
      const environment = host.labels[ENVIRONMENT_LABEL] ?? null;
      const installedVersions = Object.fromEntries(
        host.installed.map((item) => [item.component, item.version]),
      );
      for (const item of host.installed) {
        if (filter.component !== undefined && item.component !== filter.component) continue;
        const base = {
          hostId: host.hostId,
          hostname: host.hostname,
          environment,
          component: item.component,
          currentVersion: item.version,
        };
        if (policy === null || !managed.has(item.component)) {
          rows.push({
            ...base,
            targetVersion: null,
            status: 'unmanaged',
            decision: null,
            message:
              policy === null
                ? 'the control plane has no versions.yaml (UPKEEP_POLICY_FILE)'
                : `${item.component} is not a component of the control plane's versions.yaml`,
          });
          continue;
        }
        const key = `${environment ?? ''}\u0000${item.component}`;
        let target = targets.get(key);
        if (target === undefined) {
          target = this.resolveTarget(
            policy,
            environment,
            item.component,
            releases.get(item.component) ?? [],
          );
          targets.set(key, target);
        }
        if (!target.ok) {
          rows.push({
            ...base,
            targetVersion: null,
            status: 'unresolved',
            decision: null,
            message: target.message,
          });
          continue;
        }
        try {
          const { [item.component]: _self, ...others } = installedVersions;
          const decision = decideUpgrade(
            decisionInputFor(policy, {
              environment: environment ?? undefined,
              component: item.component,
              currentVersion: item.version,
              targetVersion: target.resolution.version,
              installedVersions: others,
              advisories: this.advisoriesFor(advisories.get(item.component)),
              knownVersions: (releases.get(item.component) ?? []).map((release) => release.version),
              targetPublishedAt: target.resolution.publishedAt,
              now,
            }),
          );
          const view = decisionView(decision);
          this.metrics.safetyChecksFailed(view.failedChecks);
          rows.push({
            ...base,
            targetVersion: target.resolution.version,
            status: decision.action === 'skip' ? 'up-to-date' : decision.approved ? 'upgrade' : 'blocked',
            decision: view,
            message: null,
          });
        } catch (error) {
          rows.push({
            ...base,
            targetVersion: target.resolution.version,
            status: 'unresolved',
            decision: null,
            message: errorMessage(error, { withHint: true }),
          });
        }
      }
    }
    return rows;
  }

  /**
   * The decision for moving each given host to `targetVersion` of `component`, judged in `environment`
   * (not the host's own label): what a rollout plans with. Hosts that do not run the component are absent.
   */
  async decideTarget(request: {
    readonly component: string;
    readonly environment: string;
    readonly targetVersion: string;
    readonly hostIds: readonly string[];
  }): Promise<Map<string, FleetCheckRow & { readonly upgrade?: UpgradeDecision }>> {
    const policy = this.config.policy?.config ?? null;
    const wanted = new Set(request.hostIds);
    const hosts = (await this.hosts.hostsWithInventory({ component: request.component, labels: {} })).filter(
      (host) => wanted.has(host.hostId),
    );
    const [releases, advisories] = await Promise.all([
      this.catalog.releasesOf([request.component]),
      this.catalog.advisoriesOf([request.component]),
    ]);
    const known = releases.get(request.component) ?? [];
    const publishedAt =
      known.find(
        (release) => release.version === request.targetVersion || release.tag === request.targetVersion,
      )?.publishedAt ?? null;
    const now = this.clock.now();
    const rows = new Map<string, FleetCheckRow & { readonly upgrade?: UpgradeDecision }>();
    for (const host of hosts) {
      const item = host.installed.find((installed) => installed.component === request.component);
      if (item === undefined) continue;
      const base = {
        hostId: host.hostId,
        hostname: host.hostname,
        environment: request.environment,
        component: item.component,
        currentVersion: item.version,
        targetVersion: request.targetVersion,
      };
      if (policy === null || !Object.hasOwn(policy.components, request.component)) {
        rows.set(host.hostId, {
          ...base,
          status: 'unmanaged',
          decision: null,
          message:
            policy === null
              ? 'the control plane has no versions.yaml (UPKEEP_POLICY_FILE)'
              : `${item.component} is not a component of the control plane's versions.yaml`,
        });
        continue;
      }
      try {
        const others = Object.fromEntries(
          host.installed
            .filter((installed) => installed.component !== request.component)
            .map((installed) => [installed.component, installed.version]),
        );
        const decision = decideUpgrade(
          decisionInputFor(policy, {
            environment: request.environment,
            component: item.component,
            currentVersion: item.version,
            targetVersion: request.targetVersion,
            installedVersions: others,
            advisories: this.advisoriesFor(advisories.get(item.component)),
            knownVersions: known.map((release) => release.version),
            targetPublishedAt: publishedAt,
            now,
          }),
        );
        rows.set(host.hostId, {
          ...base,
          status: decision.action === 'skip' ? 'up-to-date' : decision.approved ? 'upgrade' : 'blocked',
          decision: decisionView(decision),
          message: null,
          upgrade: decision,
        });
      } catch (error) {
        rows.set(host.hostId, {
          ...base,
          status: 'unresolved',
          decision: null,
          message: errorMessage(error, { withHint: true }),
        });
      }
    }
    return rows;
  }

  /**
   * The version `component` resolves to in `environment` from the stored releases, with the policy's
   * strategy or `strategy` instead: a rollout's `{ strategy }` target, resolved once and frozen.
   */
  async resolveTargetVersion(environment: string, component: string, strategy?: string): Promise<string> {
    const policy = this.config.policy?.config ?? null;
    if (policy === null) {
      throw new UpkeepError(
        'CONFIG_NOT_FOUND',
        'the control plane has no versions.yaml (UPKEEP_POLICY_FILE)',
        {
          hint: 'give the rollout a target version instead of a strategy',
        },
      );
    }
    const releases = (await this.catalog.releasesOf([component])).get(component) ?? [];
    const target = this.resolveTarget(policy, environment, component, releases, strategy);
    if (!target.ok)
      throw new UpkeepError('NO_VERSION_RESOLVED', `${component} in ${environment}: ${target.message}`);
    return target.resolution.version;
  }

  /**
   * Per environment and managed component: how many active hosts run something other
   * than the resolved target. Reads grouped counts, never one row per host, so the
   * metrics endpoint can call it at every scrape.
   */
  async drift(): Promise<DriftCount[]> {
    const policy = this.config.policy?.config ?? null;
    if (policy === null) return [];
    const managed = Object.keys(policy.components);
    const [counts, releases] = await Promise.all([
      this.hosts.versionCounts(ENVIRONMENT_LABEL),
      this.catalog.releasesOf(managed),
    ]);
    const targets = new Map<string, Target>();
    const drift = new Map<
      string,
      { environment: string; component: string; targetVersion: string; hosts: number; drifting: number }
    >();
    for (const count of counts) {
      if (!releases.has(count.component)) continue;
      const key = `${count.environment ?? ''}\u0000${count.component}`;
      let target = targets.get(key);
      if (target === undefined) {
        target = this.resolveTarget(
          policy,
          count.environment,
          count.component,
          releases.get(count.component) ?? [],
        );
        targets.set(key, target);
      }
      if (!target.ok) continue;
      const row = drift.get(key) ?? {
        environment: count.environment ?? '',
        component: count.component,
        targetVersion: target.resolution.version,
        hosts: 0,
        drifting: 0,
      };
      row.hosts += count.hosts;
      if (!sameVersion(count.version, target.resolution.version)) row.drifting += count.hosts;
      drift.set(key, row);
    }
    return [...drift.values()];
  }

  /** What versions.yaml resolves `component` to in `environment` from the stored releases. */
  resolveTarget(
    policy: PolicyConfig,
    environment: string | null,
    component: string,
    releases: readonly StoredRelease[],
    strategy?: string,
  ): Target {
    const started = performance.now();
    try {
      // Tags, not normalised versions: the component's tag rules (prefix, pattern) apply to tags.
      const policyInput = resolveInputFor(policy, environment ?? undefined, component, {
        releases: releases.map((release) => ({
          version: release.tag,
          published_at: release.publishedAt,
          prerelease: release.prerelease,
        })),
      });
      if (strategy !== undefined && !(STRATEGIES as readonly string[]).includes(strategy)) {
        return { ok: false, message: `strategy "${strategy}" is not one of ${STRATEGIES.join(', ')}` };
      }
      const input =
        strategy === undefined ? policyInput : { ...policyInput, strategy: strategy as StrategyName };
      return { ok: true, resolution: resolveVersion(input) };
    } catch (error) {
      const prefix = releases.length === 0 ? 'no releases discovered yet; ' : '';
      return { ok: false, message: `${prefix}${errorMessage(error, { withHint: true })}` };
    } finally {
      this.metrics.observeResolution(component, (performance.now() - started) / 1000);
    }
  }

  /** Stored OSV records; ones that no longer read as OSV are left out rather than failing the check. */
  private advisoriesFor(stored: readonly unknown[] | undefined): OsvRecord[] | undefined {
    if (stored === undefined) return undefined;
    const records: OsvRecord[] = [];
    for (const value of stored) {
      try {
        records.push(readOsvRecord(value));
      } catch {
        // skipped: stored before a schema change
      }
    }
    return records;
  }
}
