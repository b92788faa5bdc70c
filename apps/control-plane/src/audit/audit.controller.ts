import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { parseInput } from '../rest/parse-input.ts';
import { AuditEventPageDto } from './audit-event.dto.ts';
import type { AuditEvent, Page } from './audit-event.ts';
import { AuditService } from './audit.service.ts';

const listQuery = z.object({
  actorId: z.string().optional(),
  action: z.string().optional(),
  targetType: z.string().optional(),
  targetId: z.string().optional(),
  since: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .optional(),
  until: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

@ApiTags('audit')
@Controller('api/audit-events')
export class AuditController {
  private readonly audit: AuditService;

  constructor(@Inject(AuditService) audit: AuditService) {
    this.audit = audit;
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary: 'The fleet-wide audit trail, newest first, with filters and cursor pagination (role: viewer)',
  })
  @ApiQuery({ name: 'actorId', required: false })
  @ApiQuery({ name: 'action', required: false, example: 'job.created' })
  @ApiQuery({ name: 'targetType', required: false, example: 'host' })
  @ApiQuery({ name: 'targetId', required: false })
  @ApiQuery({ name: 'since', required: false, description: 'ISO-8601, inclusive' })
  @ApiQuery({ name: 'until', required: false, description: 'ISO-8601, exclusive' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: AuditEventPageDto })
  async list(@Query() query: unknown): Promise<Page<AuditEvent>> {
    return this.audit.list(parseInput(listQuery, query, 'query'));
  }
}
