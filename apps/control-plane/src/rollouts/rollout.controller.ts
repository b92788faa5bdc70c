import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { RequireRole } from '../auth/require-role.decorator.ts';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.ts';
import { actorOf } from '../rest/caller-actor.ts';
import { parseInput } from '../rest/parse-input.ts';
import type { Page } from '../audit/audit-event.ts';
import {
  RolloutAbortDto,
  RolloutCreateDto,
  RolloutDecisionDto,
  RolloutDto,
  RolloutPageDto,
  RolloutPlanDto,
  RolloutRequestDto,
} from './rollout.dto.ts';
import { RolloutEventStream } from './rollout-event-stream.ts';
import { RolloutService } from './rollout.service.ts';
import { ROLLOUT_STATES, type RolloutPlan, type RolloutRequest, type RolloutView } from './rollout.ts';

const amount = z
  .string()
  .regex(/^(?:[1-9]\d{0,6}|(?:100|[1-9]\d?)%)$/, { message: 'is a count ("1") or a percent ("25%")' });

const requestBody = z.strictObject({
  component: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { message: 'is not a component name' }),
  environment: z.string().min(1).max(64),
  target: z.union([
    z.strictObject({ version: z.string().min(1).max(128) }),
    z.strictObject({ strategy: z.string().min(1) }),
  ]),
  selector: z.strictObject({
    groups: z.array(z.string().min(1)).optional(),
    labels: z.string().max(1000).optional(),
  }),
  waves: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(64),
        size: amount,
        maxParallel: z.number().int().min(1).max(10_000),
        bakeSeconds: z
          .number()
          .int()
          .min(0)
          .max(7 * 86_400),
        failureThreshold: amount,
        approval: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(20)
    .optional(),
  onFailure: z.enum(['pause', 'abort']).optional(),
  revertWaveOnFailure: z.boolean().optional(),
  rollbackOnAbort: z.boolean().optional(),
  offline: z
    .strictObject({
      deadlineSeconds: z
        .number()
        .int()
        .min(0)
        .max(7 * 86_400),
      countAs: z.enum(['failed', 'skipped']),
    })
    .optional(),
  waitsFor: z
    .array(z.uuid({ message: 'is not a rollout id' }))
    .max(20)
    .optional(),
  gates: z
    .array(
      z.strictObject({
        query: z.string().min(1),
        successCondition: z.string().min(1),
        for: z.union([z.string().min(1), z.number().int().min(0)]),
      }),
    )
    .optional(),
  requiredApprovals: z.number().int().min(0).max(10).optional(),
});

// Only create takes `draft`: a plan is never stored, so it has nothing to hold back.
const createBody = requestBody.extend({ draft: z.boolean().optional() });

const listQuery = z.object({
  state: z.enum(ROLLOUT_STATES).optional(),
  component: z.string().optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const decisionBody = z.strictObject({
  comment: z.string().max(2000).default(''),
  wave: z.number().int().min(0).optional(),
});

const abortBody = z.strictObject({ rollback: z.boolean().optional() });

const rolloutId = z.uuid({ message: 'is not a rollout id' });

function toRequest(body: z.infer<typeof requestBody>): RolloutRequest {
  return body;
}

function toCreate(body: z.infer<typeof createBody>): { request: RolloutRequest; draft: boolean } {
  const { draft, ...request } = body;
  return { request, draft: draft === true };
}

@ApiTags('rollouts')
@Controller('api/rollouts')
export class RolloutController {
  private readonly rollouts: RolloutService;
  private readonly eventStream: RolloutEventStream;

  constructor(
    @Inject(RolloutService) rollouts: RolloutService,
    @Inject(RolloutEventStream) events: RolloutEventStream,
  ) {
    this.rollouts = rollouts;
    this.eventStream = events;
  }

  @Post('plan')
  @HttpCode(200)
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      'Plan a rollout without changing anything: waves, hosts, decisions, risk, duration, approvals (role: viewer)',
  })
  @ApiOkResponse({ type: RolloutPlanDto })
  @ApiBody({ type: RolloutRequestDto })
  async plan(@Body() body: RolloutRequestDto): Promise<RolloutPlan> {
    return this.rollouts.plan(toRequest(parseInput(requestBody, body, 'body')));
  }

  @Post()
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'Create a rollout; it waits for approval when policy asks for one, else starts; with draft, it waits for submit (role: operator)',
  })
  @ApiCreatedResponse({ type: RolloutDto })
  @ApiBody({ type: RolloutCreateDto })
  async create(@Body() body: RolloutCreateDto, @Req() request: AuthenticatedRequest): Promise<RolloutView> {
    const input = toCreate(parseInput(createBody, body, 'body'));
    return this.rollouts.create(input.request, actorOf(request), { draft: input.draft });
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Rollouts, newest first (role: viewer)' })
  @ApiQuery({ name: 'state', required: false, enum: ROLLOUT_STATES })
  @ApiQuery({ name: 'component', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: RolloutPageDto })
  async list(@Query() query: unknown): Promise<Page<RolloutView>> {
    return this.rollouts.list(parseInput(listQuery, query, 'query'));
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One rollout with its waves, hosts and approvals (role: viewer)' })
  @ApiOkResponse({ type: RolloutDto })
  async get(@Param('id') id: string): Promise<RolloutView> {
    return this.rollouts.get(parseInput(rolloutId, id, 'rollout id'));
  }

  @Get(':id/events')
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      'Server-sent events: `event: rollout` with the rollout as data now and on every change, heartbeat comments (role: viewer)',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream' })
  async events(
    @Param('id') id: string,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const parsed = parseInput(rolloutId, id, 'rollout id');
    const first = await this.rollouts.get(parsed);
    await this.eventStream.stream(parsed, first, request, response);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @RequireRole('approver')
  @ApiOperation({ summary: 'Approve the rollout, or one wave (role: approver)' })
  @ApiBody({ type: RolloutDecisionDto, required: false })
  @ApiOkResponse({ type: RolloutDto })
  async approve(
    @Param('id') id: string,
    @Body() body: RolloutDecisionDto | undefined,
    @Req() request: AuthenticatedRequest,
  ): Promise<RolloutView> {
    return this.decide('approve', id, body, request);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @RequireRole('approver')
  @ApiOperation({ summary: 'Reject the rollout (or a wave): it is aborted (role: approver)' })
  @ApiBody({ type: RolloutDecisionDto, required: false })
  @ApiOkResponse({ type: RolloutDto })
  async reject(
    @Param('id') id: string,
    @Body() body: RolloutDecisionDto | undefined,
    @Req() request: AuthenticatedRequest,
  ): Promise<RolloutView> {
    return this.decide('reject', id, body, request);
  }

  @Post(':id/submit')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'Submit a draft: it awaits approval when its plan asks for approvals before the start, else it is scheduled (role: operator)',
  })
  @ApiOkResponse({ type: RolloutDto })
  async submit(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<RolloutView> {
    return this.rollouts.submit(parseInput(rolloutId, id, 'rollout id'), actorOf(request));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Pause: no new dispatches until resumed (role: operator)' })
  @ApiOkResponse({ type: RolloutDto })
  async pause(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<RolloutView> {
    return this.rollouts.pause(parseInput(rolloutId, id, 'rollout id'), actorOf(request));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'Resume a paused rollout; a tripped wave continues, its failures so far accepted (role: operator)',
  })
  @ApiOkResponse({ type: RolloutDto })
  async resume(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<RolloutView> {
    return this.rollouts.resume(parseInput(rolloutId, id, 'rollout id'), actorOf(request));
  }

  @Post(':id/abort')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'Abort: no new dispatches; with rollback, hosts this rollout upgraded are rolled back (role: operator)',
  })
  @ApiBody({ type: RolloutAbortDto, required: false })
  @ApiOkResponse({ type: RolloutDto })
  async abort(
    @Param('id') id: string,
    @Body() body: RolloutAbortDto | undefined,
    @Req() request: AuthenticatedRequest,
  ): Promise<RolloutView> {
    const input = parseInput(abortBody, body ?? {}, 'body');
    return this.rollouts.abort(parseInput(rolloutId, id, 'rollout id'), actorOf(request), input.rollback);
  }

  @Post(':id/retry-failed')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Send failed, rolled-back and reverted hosts again (role: operator)' })
  @ApiOkResponse({ type: RolloutDto })
  async retryFailed(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<RolloutView> {
    return this.rollouts.retryFailed(parseInput(rolloutId, id, 'rollout id'), actorOf(request));
  }

  private async decide(
    decision: 'approve' | 'reject',
    id: string,
    body: RolloutDecisionDto | undefined,
    request: AuthenticatedRequest,
  ): Promise<RolloutView> {
    const input = parseInput(decisionBody, body ?? {}, 'body');
    const rollout = parseInput(rolloutId, id, 'rollout id');
    return this.rollouts.decide(rollout, actorOf(request), decision, input.comment, input.wave ?? null);
  }
}
