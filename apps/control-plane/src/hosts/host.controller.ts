import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '../auth/require-role.decorator.ts';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.ts';
import { actorOf } from '../rest/caller-actor.ts';
import { parseInput } from '../rest/parse-input.ts';
import { HostDto, HostPageDto } from './host.dto.ts';
import { HostService } from './host.service.ts';
import type { HostView } from './host.ts';
import type { Page } from '../audit/audit-event.ts';

const listQuery = z.object({
  label: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]))
    .pipe(z.array(z.string().regex(/^[^=]+=.*$/, { message: 'must be key=value' }))),
  group: z.string().min(1).optional(),
  cursor: z.uuid({ message: 'is not a cursor this API returned' }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const hostId = z.uuid({ message: 'is not a host id' });

@ApiTags('hosts')
@Controller('api/hosts')
export class HostController {
  private readonly hosts: HostService;

  constructor(@Inject(HostService) hosts: HostService) {
    this.hosts = hosts;
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'List hosts, filtered by labels and group (role: viewer)' })
  @ApiQuery({
    name: 'label',
    required: false,
    isArray: true,
    description: 'key=value; repeat to require several',
  })
  @ApiQuery({ name: 'group', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 100' })
  @ApiOkResponse({ type: HostPageDto })
  async list(@Query() query: unknown): Promise<Page<HostView>> {
    const parsed = parseInput(listQuery, query, 'query');
    const labels = Object.fromEntries(
      parsed.label.map((pair) => {
        const index = pair.indexOf('=');
        return [pair.slice(0, index), pair.slice(index + 1)];
      }),
    );
    return this.hosts.list({ labels, group: parsed.group, cursor: parsed.cursor, limit: parsed.limit });
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One host with its installed components (role: viewer)' })
  @ApiOkResponse({ type: HostDto })
  async get(@Param('id') id: string): Promise<HostView> {
    return this.hosts.get(parseInput(hostId, id, 'host id'));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Revoke a host and its credentials; its agent is refused from then on (role: admin)',
  })
  @ApiOkResponse({ type: HostDto })
  async revoke(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<HostView> {
    return this.hosts.revoke(parseInput(hostId, id, 'host id'), actorOf(request));
  }
}
