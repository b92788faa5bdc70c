import { Inject, Injectable } from '@nestjs/common';
import { isUpkeepError } from '@upkeep/errors';
import {
  decideUpgrade,
  decisionInputFor,
  readOsvRecord,
  resolveInputFor,
  type OsvRecord,
  type PolicyConfig,
  type UpgradeDecision,
} from '@upkeep/policy';
import { resolveVersion, type Resolution } from '@upkeep/versioning';
import { CLOCK, CONFIG } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import { CatalogRepository, type StoredRelease } from '../discovery/catalog.repository.ts';
import { FleetCheckRepository } from './fleet-check.repository.ts';
import type { FleetCheckFilter, FleetCheckRow, FleetDecision } from './fleet-check.ts';

/** The host label that picks the `environments.<name>` overlay of versions.yaml. */
export const ENVIRONMENT_LABEL = 'env';

type Target = { ok: true; resolution: Resolution } | { ok: false; message: string };

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

function messageOf(error: unknown): string {
  if (isUpkeepError(error))
    return error.hint === undefined ? error.message : `${error.message} (${error.hint})`;
  return error instanceof Error ? error.message : String(error);
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

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(CLOCK) clock: Clock,
    @Inject(FleetCheckRepository) hosts: FleetCheckRepository,
    @Inject(CatalogRepository) catalog: CatalogRepository,
  ) {
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
          rows.push({
            ...base,
            targetVersion: target.resolution.version,
            status: decision.action === 'skip' ? 'up-to-date' : decision.approved ? 'upgrade' : 'blocked',
            decision: decisionView(decision),
            message: null,
          });
        } catch (error) {
          rows.push({
            ...base,
            targetVersion: target.resolution.version,
            status: 'unresolved',
            decision: null,
            message: messageOf(error),
          });
        }
      }
    }
    return rows;
  }

  private resolveTarget(
    policy: PolicyConfig,
    environment: string | null,
    component: string,
    releases: readonly StoredRelease[],
  ): Target {
    try {
      // Tags, not normalised versions: the component's tag rules (prefix, pattern) apply to tags.
      const input = resolveInputFor(policy, environment ?? undefined, component, {
        releases: releases.map((release) => ({
          version: release.tag,
          published_at: release.publishedAt,
          prerelease: release.prerelease,
        })),
      });
      return { ok: true, resolution: resolveVersion(input) };
    } catch (error) {
      const prefix = releases.length === 0 ? 'no releases discovered yet; ' : '';
      return { ok: false, message: `${prefix}${messageOf(error)}` };
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
