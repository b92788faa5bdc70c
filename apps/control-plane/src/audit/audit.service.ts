import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { ApiTokenRepository } from '../auth/api-token.repository.ts';
import { HostRepository } from '../hosts/host.repository.ts';
import { AuditRepository } from './audit.repository.ts';
import type { AuditEvent, Page } from './audit-event.ts';
import type { AuditListParams, HostRef, UpgradeHistoryParams } from './audit-query.params.ts';
import { UpgradeHistoryRepository } from './upgrade-history.repository.ts';
import type { UpgradeInterval } from './upgrade-history.ts';

export interface UpgradeHistory {
  readonly items: readonly UpgradeInterval[];
  /** More intervals matched than `limit`; narrow the filters. */
  readonly truncated: boolean;
}

@Injectable()
export class AuditService {
  private readonly audit: AuditRepository;
  private readonly history: UpgradeHistoryRepository;
  private readonly hosts: HostRepository;
  private readonly tokens: ApiTokenRepository;

  constructor(
    @Inject(AuditRepository) audit: AuditRepository,
    @Inject(UpgradeHistoryRepository) history: UpgradeHistoryRepository,
    @Inject(HostRepository) hosts: HostRepository,
    @Inject(ApiTokenRepository) tokens: ApiTokenRepository,
  ) {
    this.audit = audit;
    this.history = history;
    this.hosts = hosts;
    this.tokens = tokens;
  }

  async list(params: AuditListParams): Promise<Page<AuditEvent>> {
    if (params.actor !== undefined && params.actorId !== undefined && params.actor !== params.actorId) {
      throw new UpkeepError(
        'INPUT_INVALID',
        `actor "${params.actor}" and actorId "${params.actorId}" disagree`,
        {
          hint: 'pass one of them',
        },
      );
    }
    return this.audit.list({
      actorIds: await this.actorIds(params.actor ?? params.actorId),
      action: params.action,
      targetType: params.targetType,
      targetId: params.targetId,
      component: params.component,
      hostIds: params.host === undefined ? undefined : await this.hostIds(params.host),
      group: params.group,
      version: params.version,
      outcome: params.outcome,
      since: params.since,
      until: params.until,
      cursor: params.cursor,
      limit: params.limit,
    });
  }

  async upgrades(params: UpgradeHistoryParams): Promise<UpgradeHistory> {
    const items = await this.history.intervals({
      component: params.component,
      version: params.version,
      since: params.since,
      until: params.until,
      group: params.group,
      hostIds: params.host === undefined ? undefined : await this.hostIds(params.host),
      limit: params.limit,
    });
    return { items: items.slice(0, params.limit), truncated: items.length > params.limit };
  }

  /**
   * An actor as stored (token id, host id, control-plane part), or an API token's name or an
   * agent's hostname, which people remember better: every id it may mean.
   */
  private async actorIds(actor: string | undefined): Promise<string[] | undefined> {
    if (actor === undefined) return undefined;
    const [tokens, hosts] = await Promise.all([
      this.tokens.idsByName(actor),
      this.hosts.idsByHostname(actor),
    ]);
    const named = [...tokens, ...hosts];
    return named.length === 0 ? [actor] : named;
  }

  /** A hostname names every host that has it; one nobody has is an error, not an empty answer. */
  private async hostIds(host: HostRef): Promise<string[]> {
    if ('id' in host) return [host.id];
    const ids = await this.hosts.idsByHostname(host.hostname);
    if (ids.length === 0) {
      throw new UpkeepError('NOT_FOUND', `no host is named "${host.hostname}"`, {
        hint: 'list hosts with `upkeep hosts list`, or pass a host id',
      });
    }
    return ids;
  }
}
