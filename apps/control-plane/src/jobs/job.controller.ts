import { Body, Controller, Get, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '../auth/require-role.decorator.ts';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.ts';
import { actorOf } from '../rest/caller-actor.ts';
import { parseInput } from '../rest/parse-input.ts';
import type { Page } from '../audit/audit-event.ts';
import { CreateJobDto, JobDto, JobPageDto } from './job.dto.ts';
import { JobService } from './job.service.ts';
import type { JobView } from './job.ts';

const createBody = z.strictObject({
  hostId: z.string(),
  kind: z.string(),
  component: z.string(),
  targetVersion: z.string().nullable().optional(),
  artifact: z.strictObject({ url: z.string(), sha256: z.string() }).nullable().optional(),
  ttlSeconds: z.number().int().optional(),
});

const listQuery = z.object({
  hostId: z.uuid().optional(),
  state: z
    .enum(['pending', 'delivered', 'running', 'succeeded', 'failed', 'refused', 'expired', 'cancelled'])
    .optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

@ApiTags('jobs')
@Controller('api/jobs')
export class JobController {
  private readonly jobs: JobService;

  constructor(@Inject(JobService) jobs: JobService) {
    this.jobs = jobs;
  }

  @Post()
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Create a signed job (upgrade, rollback or cleanup) for one host (role: operator)',
  })
  @ApiCreatedResponse({ type: JobDto })
  @ApiBody({ type: CreateJobDto })
  async create(@Body() body: CreateJobDto, @Req() request: AuthenticatedRequest): Promise<JobView> {
    return this.jobs.create(parseInput(createBody, body, 'body'), actorOf(request));
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Jobs, newest first (role: viewer)' })
  @ApiQuery({ name: 'hostId', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: JobPageDto })
  async list(@Query() query: unknown): Promise<Page<JobView>> {
    return this.jobs.list(parseInput(listQuery, query, 'query'));
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One job with its steps and result (role: viewer)' })
  @ApiOkResponse({ type: JobDto })
  async get(@Param('id') id: string): Promise<JobView> {
    return this.jobs.get(parseInput(z.uuid({ message: 'is not a job id' }), id, 'job id'));
  }
}
