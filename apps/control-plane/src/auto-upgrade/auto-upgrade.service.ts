import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { errorMessage } from '@upkeep/errors';
import type { PolicyConfig } from '@upkeep/policy';
import { CLOCK, CONFIG, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { ReleasesRefreshedListener } from '../discovery/releases-refreshed.ts';
import { NOTIFIER, type Notifier } from '../notifications/notification-event.ts';
import {
  autoUpgradeEnvironments,
  autoUpgradeOutcome,
  type AutoUpgradePlan,
} from './auto-upgrade-decision.ts';
import { AutoUpgradeRepository } from './auto-upgrade.repository.ts';

/** The actor auto-created rollouts are recorded with. */
export const AUTO_UPGRADE_ACTOR = 'auto-upgrade';

/** The rollout engine as auto-upgrade uses it: resolve, plan and create a rollout with the environment's defaults. */
export interface AutoRolloutPort {
  /** The version the component resolves to in the environment (its policy strategy) from the stored releases. */
  resolveTarget(environment: string, component: string): Promise<string>;
  plan(request: AutoRolloutRequest): Promise<AutoUpgradePlan>;
  /** Creates the rollout `plan` judged (the engine stores that plan rather than planning again). */
  create(request: AutoRolloutRequest, plan: AutoUpgradePlan): Promise<{ readonly id: string }>;
}

export interface AutoRolloutRequest {
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
}

export const AUTO_ROLLOUTS = Symbol('AutoRollouts');

/** What auto-upgrade did for one environment. */
export interface AutoUpgradeReport {
  readonly environment: string;
  readonly targetVersion: string | null;
  /** `busy`: another replica is deciding about the same version right now. */
  readonly outcome: 'created' | 'exists' | 'busy' | 'not_allowed' | 'error';
  readonly rolloutId: string | null;
  readonly reason: string;
}

/**
 * Auto-upgrade: after discovery refreshes a component, each environment where auto-upgrade is on
 * gets a rollout of the version its strategy resolves to, with the environment's defaults, when the
 * policy allows that move by itself (`autoUpgradeOutcome`), and an `upgrade_available`
 * notification. Runs on every refresh, not only when a release is new, so a failed attempt is
 * retried; an advisory lock per component, version and environment (a replica finding it taken
 * leaves the decision to the holder) plus the check for an existing rollout make it create one
 * rollout however many replicas refresh.
 */
@Injectable()
export class AutoUpgradeService implements ReleasesRefreshedListener {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly repository: AutoUpgradeRepository;
  private readonly rollouts: AutoRolloutPort;
  private readonly notifier: Notifier;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) clock: Clock,
    @Inject(AutoUpgradeRepository) repository: AutoUpgradeRepository,
    @Inject(AUTO_ROLLOUTS) rollouts: AutoRolloutPort,
    @Inject(NOTIFIER) notifier: Notifier,
  ) {
    this.config = config;
    this.logger = logger;
    this.clock = clock;
    this.repository = repository;
    this.rollouts = rollouts;
    this.notifier = notifier;
  }

  /** Decides auto-upgrade of `component` in every environment; never throws (discovery goes on). */
  async afterRefresh(component: string): Promise<AutoUpgradeReport[]> {
    const policy = this.config.policy?.config ?? null;
    if (policy === null || !Object.hasOwn(policy.components, component)) return [];
    const reports: AutoUpgradeReport[] = [];
    for (const environment of autoUpgradeEnvironments(policy)) {
      let targetVersion: string | null = null;
      try {
        const version = await this.rollouts.resolveTarget(environment, component);
        targetVersion = version;
        reports.push(await this.decide(policy, component, environment, version));
      } catch (error) {
        reports.push({
          environment,
          targetVersion,
          outcome: 'error',
          rolloutId: null,
          reason: errorMessage(error),
        });
      }
    }
    for (const report of reports) {
      const level = report.outcome === 'error' ? 'warn' : report.outcome === 'created' ? 'info' : 'debug';
      this.logger[level]({ component, ...report }, 'auto-upgrade');
    }
    return reports;
  }

  private async decide(
    policy: PolicyConfig,
    component: string,
    environment: string,
    targetVersion: string,
  ): Promise<AutoUpgradeReport> {
    const request = { component, environment, targetVersion };
    // JSON: unambiguous, and no NUL (Postgres text refuses it).
    const key = `auto-upgrade:${JSON.stringify([component, targetVersion, environment])}`;
    const report = await this.repository.underLock(key, async (tx): Promise<AutoUpgradeReport> => {
      const existing = await this.repository.existingRollout(tx, component, environment, targetVersion);
      if (existing !== null) {
        return {
          environment,
          targetVersion,
          outcome: 'exists',
          rolloutId: existing,
          reason: `rollout ${existing} of ${component} ${targetVersion} exists in ${environment}`,
        };
      }
      const plan = await this.rollouts.plan(request);
      const outcome = autoUpgradeOutcome(policy, plan);
      if (!outcome.create) {
        return {
          environment,
          targetVersion,
          outcome: 'not_allowed',
          rolloutId: null,
          reason: outcome.reason,
        };
      }
      const created = await this.rollouts.create(request, plan);
      await this.notifier.enqueue(
        tx,
        {
          kind: 'upgrade_available',
          title: `${component} ${targetVersion} is rolling out to ${environment} by itself`,
          text: `${outcome.reason}.\nRollout ${created.id} was created with the ${environment} defaults.`,
          componentName: component,
          version: targetVersion,
          rolloutId: created.id,
          dedupeKey: `upgrade_available:${component}:${targetVersion}:${environment}`,
          details: { environment, hosts: outcome.hosts, automatic: true },
        },
        this.clock.now(),
      );
      return {
        environment,
        targetVersion,
        outcome: 'created',
        rolloutId: created.id,
        reason: outcome.reason,
      };
    });
    return report === 'busy'
      ? {
          environment,
          targetVersion,
          outcome: 'busy',
          rolloutId: null,
          reason: `another replica is deciding about ${component} ${targetVersion} in ${environment}`,
        }
      : report;
  }
}
