import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { UpkeepError } from '@upkeep/errors';
import {
  createReleaseSource,
  createSourceContext,
  globalFetch,
  nodeFileSystem,
  parsePlatform,
  queryOsv,
  systemClock,
  type ReleaseSource,
  type SourceContext,
} from '@upkeep/sources';
import { CLOCK, CONFIG, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import { QueueRepository } from '../outbox/queue.repository.ts';
import { UpkeepMetrics } from '../metrics/upkeep-metrics.ts';
import { CatalogRepository } from './catalog.repository.ts';
import { componentSourcesOf, sourceSettingsOf, type ComponentSource } from './component-source.ts';
import { ReleaseCacheRepository } from './release-cache.repository.ts';
import { RELEASES_REFRESHED, type ReleasesRefreshedListener } from './releases-refreshed.ts';

/** Deterministic BullMQ scheduler id of a component's refresh: one schedule per component, whatever the replicas. */
export const refreshSchedulerId = (component: string): string => `discovery-refresh:${component}`;

/** Platforms direct-URL templates are expanded for: what fleets commonly run. */
const FLEET_PLATFORMS = ['linux-amd64', 'linux-arm64'].map((text) => parsePlatform(text));

export interface RefreshReport {
  readonly component: string;
  readonly releases: number;
  readonly added: number;
  readonly origin: string;
  readonly advisories: number | null;
}

/**
 * Central discovery: the components of versions.yaml (UPKEEP_POLICY_FILE) are
 * written to the catalog at start-up and refreshed by BullMQ repeatable jobs,
 * through libs/sources with the Postgres cache, so one upstream call serves
 * every host and every replica.
 */
@Injectable()
export class DiscoveryService {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly catalog: CatalogRepository;
  private readonly queues: QueueRepository;
  private readonly listener: ReleasesRefreshedListener | undefined;
  private readonly components: ReadonlyMap<string, ComponentSource>;
  private readonly context: SourceContext | null;
  private readonly sources = new Map<string, ReleaseSource>();

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) clock: Clock,
    @Inject(CatalogRepository) catalog: CatalogRepository,
    @Inject(ReleaseCacheRepository) cache: ReleaseCacheRepository,
    @Inject(QueueRepository) queues: QueueRepository,
    @Inject(UpkeepMetrics) metrics: UpkeepMetrics,
    @Optional() @Inject(RELEASES_REFRESHED) listener?: ReleasesRefreshedListener,
  ) {
    this.listener = listener;
    this.config = config;
    this.logger = logger;
    this.clock = clock;
    this.catalog = catalog;
    this.queues = queues;
    const policy = config.policy;
    this.components = new Map(
      policy === null ? [] : componentSourcesOf(policy.config, policy.path).map((c) => [c.name, c]),
    );
    this.context =
      policy === null
        ? null
        : createSourceContext(
            sourceSettingsOf(policy.config, config.upstreamTokens),
            {
              fetch: globalFetch,
              clock: systemClock,
              fs: nodeFileSystem,
              store: cache,
              observer: metrics,
              logger: {
                warn: (message) => {
                  logger.warn({ component: 'discovery' }, message);
                },
              },
            },
            { platforms: FLEET_PLATFORMS },
          );
  }

  /** Component names discovery looks after. */
  componentNames(): string[] {
    return [...this.components.keys()];
  }

  /** The component's source spec and context, for the artifact fetcher. */
  sourceOf(component: string): { source: ReleaseSource; spec: ComponentSource; context: SourceContext } {
    const spec = this.components.get(component);
    if (spec === undefined || this.context === null) {
      throw new UpkeepError(
        'UNKNOWN_COMPONENT',
        `component ${component} is not in the control plane's versions.yaml`,
        {
          hint: 'add it to the file UPKEEP_POLICY_FILE names and restart the control plane',
        },
      );
    }
    let source = this.sources.get(component);
    if (source === undefined) {
      source = createReleaseSource(component, spec.spec, this.context);
      this.sources.set(component, source);
    }
    return { source, spec, context: this.context };
  }

  /** Writes the components to the catalog and registers one repeatable refresh per component. */
  async registerSchedules(): Promise<void> {
    const components = [...this.components.values()];
    await this.catalog.registerComponents(components, this.clock.now());
    for (const component of components) {
      await this.queues.upsertScheduler(
        'discovery',
        refreshSchedulerId(component.name),
        this.config.discoveryIntervalMs,
        'refresh',
        { component: component.name },
      );
    }
    const wanted = new Set(components.map((component) => refreshSchedulerId(component.name)));
    const stale = (await this.queues.schedulerIds('discovery')).filter(
      (id) => id.startsWith(refreshSchedulerId('')) && !wanted.has(id),
    );
    // A component removed from versions.yaml stops being refreshed; its stored releases stay.
    for (const id of stale) await this.queues.removeScheduler('discovery', id);
    if (components.length > 0 || stale.length > 0) {
      this.logger.info(
        { components: components.length, removed: stale.length, everyMs: this.config.discoveryIntervalMs },
        'discovery refreshes scheduled',
      );
    }
  }

  /** Lists a component's releases (through the shared cache) and stores them, with its advisories. */
  async refresh(component: string): Promise<RefreshReport> {
    const { source, spec, context } = this.sourceOf(component);
    const listing = await source.listReleases();
    const added = await this.catalog.storeReleases(component, listing.releases, this.clock.now());
    let advisories: number | null = null;
    if (spec.advisories !== undefined) {
      const answer = await queryOsv(component, spec.advisories, context);
      await this.catalog.storeAdvisories(component, answer.records);
      advisories = answer.records.length;
    }
    const report = {
      component,
      releases: listing.releases.length,
      added,
      origin: listing.freshness.origin,
      advisories,
    };
    this.logger.info(report, 'component refreshed');
    // On every refresh, not only when a release is new: a listener's failed attempt is retried.
    await this.listener?.afterRefresh(component);
    return report;
  }
}
