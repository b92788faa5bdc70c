import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { ComponentRepository } from './component.repository.ts';
import type { ComponentView, ReleaseView } from './component.ts';

@Injectable()
export class ComponentService {
  private readonly components: ComponentRepository;

  constructor(@Inject(ComponentRepository) components: ComponentRepository) {
    this.components = components;
  }

  list(): Promise<ComponentView[]> {
    return this.components.list();
  }

  async releases(name: string, limit: number): Promise<ReleaseView[]> {
    const releases = await this.components.releases(name, limit);
    if (releases === null) {
      throw new UpkeepError('UNKNOWN_COMPONENT', `component ${name} is not in the catalog`, {
        hint: 'list components with GET /api/components',
      });
    }
    return releases;
  }
}
