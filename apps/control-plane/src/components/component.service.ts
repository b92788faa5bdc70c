import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { CONFIG } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import { FleetCheckService } from '../check/fleet-check.service.ts';
import { CatalogRepository } from '../discovery/catalog.repository.ts';
import { ComponentRepository } from './component.repository.ts';
import type { ComponentOverview, ComponentView, EnvironmentTarget, ReleaseView } from './component.ts';

const unknownComponent = (name: string): UpkeepError =>
  new UpkeepError('UNKNOWN_COMPONENT', `component ${name} is not in the catalog`, {
    hint: 'list components with GET /api/components',
  });

@Injectable()
export class ComponentService {
  private readonly components: ComponentRepository;
  private readonly catalog: CatalogRepository;
  private readonly check: FleetCheckService;
  private readonly config: AppConfig;

  constructor(
    @Inject(ComponentRepository) components: ComponentRepository,
    @Inject(CatalogRepository) catalog: CatalogRepository,
    @Inject(FleetCheckService) check: FleetCheckService,
    @Inject(CONFIG) config: AppConfig,
  ) {
    this.components = components;
    this.catalog = catalog;
    this.check = check;
    this.config = config;
  }

  list(): Promise<ComponentView[]> {
    return this.components.list();
  }

  async releases(name: string, limit: number): Promise<ReleaseView[]> {
    const releases = await this.components.releases(name, limit);
    if (releases === null) throw unknownComponent(name);
    return releases;
  }

  /** Releases, what the base policy and each environment resolve to, advisories and breaking changes. */
  async overview(name: string, limit: number): Promise<ComponentOverview> {
    const [releases, risks] = await Promise.all([
      this.components.releases(name, limit),
      this.components.risks(name),
    ]);
    if (releases === null || risks === null) throw unknownComponent(name);
    const policy = this.config.policy?.config ?? null;
    const managed = policy !== null && Object.hasOwn(policy.components, name);
    const environments: EnvironmentTarget[] = [];
    if (policy !== null && managed) {
      const stored = (await this.catalog.releasesOf([name])).get(name) ?? [];
      for (const environment of [null, ...Object.keys(policy.environments).sort()]) {
        const target = this.check.resolveTarget(policy, environment, name, stored);
        environments.push(
          target.ok
            ? { environment, version: target.resolution.version, message: null }
            : { environment, version: null, message: target.message },
        );
      }
    }
    return { name, managed, releases, environments, ...risks };
  }
}
