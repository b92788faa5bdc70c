import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { parseInput } from '../rest/parse-input.ts';
import type { Page } from '../audit/audit-event.ts';
import type { NotificationKind } from './notification-event.ts';
import type { NotificationView } from './notification.ts';
import { NotificationPageDto } from './notification.dto.ts';
import { NotificationService } from './notification.service.ts';

const KINDS = [
  'upgrade_available',
  'upgrade_success',
  'upgrade_failure',
  'rollback_executed',
  'approval_required',
  'rollout_paused',
  'rollout_completed',
  'rollout_aborted',
] as const satisfies readonly NotificationKind[];

const listQuery = z.object({
  kind: z.enum(KINDS).optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

@ApiTags('notifications')
@Controller('api/notifications')
export class NotificationController {
  private readonly notifications: NotificationService;

  constructor(@Inject(NotificationService) notifications: NotificationService) {
    this.notifications = notifications;
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary: 'Notifications newest first, each with its per-channel delivery state (role: viewer)',
  })
  @ApiQuery({ name: 'kind', required: false, enum: KINDS })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: NotificationPageDto })
  async list(@Query() query: unknown): Promise<Page<NotificationView>> {
    return this.notifications.list(parseInput(listQuery, query, 'query'));
  }
}
