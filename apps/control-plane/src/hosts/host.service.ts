import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import type { Actor, Page } from '../audit/audit-event.ts';
import { AssignmentDispatcher } from '../jobs/assignment-dispatcher.ts';
import { HostRepository } from './host.repository.ts';
import type { HostFilter, HostView } from './host.ts';

@Injectable()
export class HostService {
  private readonly hosts: HostRepository;
  private readonly dispatcher: AssignmentDispatcher;

  constructor(
    @Inject(HostRepository) hosts: HostRepository,
    @Inject(AssignmentDispatcher) dispatcher: AssignmentDispatcher,
  ) {
    this.hosts = hosts;
    this.dispatcher = dispatcher;
  }

  list(filter: HostFilter): Promise<Page<HostView>> {
    return this.hosts.list(filter);
  }

  async get(id: string): Promise<HostView> {
    const host = await this.hosts.find(id);
    if (host === null)
      throw new UpkeepError('NOT_FOUND', `host ${id} does not exist`, {
        hint: 'list hosts with GET /api/hosts',
      });
    return host;
  }

  async revoke(id: string, actor: Actor): Promise<HostView> {
    const host = await this.hosts.revoke(id, actor);
    await this.dispatcher.disconnect(id);
    return host;
  }
}
