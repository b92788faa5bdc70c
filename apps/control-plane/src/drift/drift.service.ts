import { Inject, Injectable } from '@nestjs/common';
import { CLOCK } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import { FleetCheckService } from '../check/fleet-check.service.ts';
import { DriftRepository } from './drift.repository.ts';
import { judgeDrift } from './drift-judge.ts';
import {
  DRIFT_KINDS,
  type DriftFilter,
  type DriftKind,
  type DriftReport,
  type StoredAdvisory,
} from './drift.ts';

/**
 * `GET /api/drift`: the fleet check (policy resolution per environment) joined with
 * the advisories stored by discovery and the last upgrade job of each host × component.
 */
@Injectable()
export class DriftService {
  private readonly check: FleetCheckService;
  private readonly drift: DriftRepository;
  private readonly clock: Clock;

  constructor(
    @Inject(FleetCheckService) check: FleetCheckService,
    @Inject(DriftRepository) drift: DriftRepository,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.check = check;
    this.drift = drift;
    this.clock = clock;
  }

  async report(filter: DriftFilter): Promise<DriftReport> {
    const generatedAt = this.clock.now().toISOString();
    const checked = await this.check.check({
      component: filter.component,
      group: filter.group,
      labels: filter.labels,
    });
    const hostIds = [...new Set(checked.map((row) => row.hostId))];
    const components = [...new Set(checked.map((row) => row.component))];
    const [hosts, lastUpgrades, advisories] = await Promise.all([
      this.drift.hosts(hostIds),
      this.drift.lastUpgrades(hostIds),
      this.drift.advisories(components),
    ]);
    const advisoriesByComponent = new Map<string, StoredAdvisory[]>();
    for (const advisory of advisories) {
      const list = advisoriesByComponent.get(advisory.component) ?? [];
      list.push(advisory);
      advisoriesByComponent.set(advisory.component, list);
    }
    const judged = checked.map((row) =>
      judgeDrift(
        row,
        hosts.get(row.hostId),
        lastUpgrades.get(`${row.hostId}\u0000${row.component}`),
        advisoriesByComponent.get(row.component) ?? [],
      ),
    );
    const counts = Object.fromEntries(DRIFT_KINDS.map((kind) => [kind, 0])) as Record<DriftKind, number>;
    for (const row of judged) for (const kind of row.drift) counts[kind] += 1;
    const rows = judged.filter(
      (row) =>
        (filter.all || row.drift.length > 0) &&
        (filter.kind === undefined || row.drift.includes(filter.kind)),
    );
    return { generatedAt, hosts: hostIds.length, counts, rows };
  }
}
