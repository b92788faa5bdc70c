import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { parseInput } from '../rest/parse-input.ts';
import { AuditEventPageDto, UpgradeHistoryDto } from './audit-event.dto.ts';
import type { AuditEvent, Page } from './audit-event.ts';
import { auditListQuery, upgradeHistoryQuery } from './audit-query.params.ts';
import { AuditService, type UpgradeHistory } from './audit.service.ts';

const TIME = 'ISO-8601: 2026-03-01 (UTC midnight) or 2026-03-01T12:00:00Z';

@ApiTags('audit')
@Controller()
export class AuditController {
  private readonly audit: AuditService;

  constructor(@Inject(AuditService) audit: AuditService) {
    this.audit = audit;
  }

  // /api/audit-events is the first name of this endpoint; it stays for existing callers.
  @Get(['api/audit', 'api/audit-events'])
  @RequireRole('viewer')
  @ApiOperation({
    summary: 'The fleet-wide audit trail, newest first, with filters and cursor pagination (role: viewer)',
  })
  @ApiQuery({ name: 'component', required: false, example: 'node_exporter' })
  @ApiQuery({ name: 'host', required: false, description: 'host id or hostname' })
  @ApiQuery({
    name: 'group',
    required: false,
    description: 'a group the host was in when the event happened',
  })
  @ApiQuery({ name: 'version', required: false, example: '1.8.2' })
  @ApiQuery({
    name: 'actor',
    required: false,
    description: 'API token name or id, agent hostname or host id, or control-plane part',
  })
  @ApiQuery({ name: 'actorId', required: false, description: 'former name of `actor`' })
  @ApiQuery({ name: 'action', required: false, example: 'job.succeeded' })
  @ApiQuery({ name: 'outcome', required: false, example: 'failed' })
  @ApiQuery({ name: 'targetType', required: false, example: 'host' })
  @ApiQuery({ name: 'targetId', required: false })
  @ApiQuery({ name: 'since', required: false, description: `${TIME}, inclusive` })
  @ApiQuery({ name: 'until', required: false, description: `${TIME}, exclusive` })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 100' })
  @ApiOkResponse({ type: AuditEventPageDto })
  async list(@Query() query: unknown): Promise<Page<AuditEvent>> {
    return this.audit.list(parseInput(auditListQuery, query, 'query'));
  }

  @Get('api/history/upgrades')
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      'Which hosts ran a version of a component during a time range, installed by which job and rollout, ' +
      'approved by whom (role: viewer)',
  })
  @ApiQuery({ name: 'component', required: true, example: 'node_exporter' })
  @ApiQuery({ name: 'version', required: false, example: '1.6.0', description: 'omitted: every version' })
  @ApiQuery({ name: 'host', required: false, description: 'host id or hostname' })
  @ApiQuery({ name: 'group', required: false, description: 'hosts now in this group' })
  @ApiQuery({ name: 'since', required: false, description: `${TIME}; intervals still installed then` })
  @ApiQuery({ name: 'until', required: false, description: `${TIME}; intervals installed before then` })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-5000, default 1000' })
  @ApiOkResponse({ type: UpgradeHistoryDto })
  async upgrades(@Query() query: unknown): Promise<UpgradeHistory> {
    return this.audit.upgrades(parseInput(upgradeHistoryQuery, query, 'query'));
  }
}
