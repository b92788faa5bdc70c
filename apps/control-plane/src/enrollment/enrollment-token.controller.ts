import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '../auth/require-role.decorator.ts';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.ts';
import { actorOf } from '../rest/caller-actor.ts';
import { parseInput } from '../rest/parse-input.ts';
import type { EnrollmentTokenView } from './enrollment.repository.ts';
import { EnrollmentService, type CreatedEnrollmentToken } from './enrollment.service.ts';
import {
  CreateEnrollmentTokenDto,
  CreatedEnrollmentTokenDto,
  EnrollmentTokenDto,
} from './enrollment-token.dto.ts';

const createBody = z.strictObject({
  description: z.string().max(500).default(''),
  labels: z.record(z.string(), z.string()).default({}),
  groups: z.array(z.string()).max(32).default([]),
  singleUse: z.boolean().default(true),
  ttlSeconds: z.number().int().default(86_400),
});

@ApiTags('enrollment tokens')
@Controller('api/enrollment-tokens')
export class EnrollmentTokenController {
  private readonly enrollment: EnrollmentService;

  constructor(@Inject(EnrollmentService) enrollment: EnrollmentService) {
    this.enrollment = enrollment;
  }

  @Post()
  @RequireRole('operator')
  @ApiOperation({ summary: 'Create an enrollment token for `upkeep-agent enroll` (role: operator)' })
  @ApiCreatedResponse({ type: CreatedEnrollmentTokenDto })
  @ApiBody({ type: CreateEnrollmentTokenDto })
  async create(
    @Body() body: CreateEnrollmentTokenDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<CreatedEnrollmentToken> {
    return this.enrollment.createToken(parseInput(createBody, body, 'body'), actorOf(request));
  }

  @Get()
  @RequireRole('operator')
  @ApiOperation({ summary: 'Recent enrollment tokens, without their secrets (role: operator)' })
  @ApiOkResponse({ type: [EnrollmentTokenDto] })
  async list(): Promise<EnrollmentTokenView[]> {
    return this.enrollment.listTokens(200);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Revoke an enrollment token (role: operator)' })
  @ApiNoContentResponse()
  async revoke(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<void> {
    await this.enrollment.revokeToken(parseInput(z.uuid(), id, 'token id'), actorOf(request));
  }
}
