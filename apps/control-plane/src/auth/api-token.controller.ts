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
import { actorOf } from '../rest/caller-actor.ts';
import { parseInput } from '../rest/parse-input.ts';
import type { AuthenticatedRequest } from './api-auth.guard.ts';
import { ApiTokenDto, CreateApiTokenDto, CreatedApiTokenDto } from './api-token.dto.ts';
import type { ApiTokenView } from './api-token.repository.ts';
import { ApiTokenService, type CreatedApiToken } from './api-token.service.ts';
import { RequireRole } from './require-role.decorator.ts';

const createBody = z.strictObject({
  name: z.string(),
  role: z.string(),
  ttlDays: z.number().int().min(1).max(3650).nullable().default(null),
});

@ApiTags('api tokens')
@Controller('api/api-tokens')
export class ApiTokenController {
  private readonly tokens: ApiTokenService;

  constructor(@Inject(ApiTokenService) tokens: ApiTokenService) {
    this.tokens = tokens;
  }

  @Post()
  @RequireRole('admin')
  @ApiOperation({ summary: 'Create an API token with a role (role: admin)' })
  @ApiCreatedResponse({ type: CreatedApiTokenDto })
  @ApiBody({ type: CreateApiTokenDto })
  async create(
    @Body() body: CreateApiTokenDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<CreatedApiToken> {
    const input = parseInput(createBody, body, 'body');
    return this.tokens.create(input.name, input.role, input.ttlDays, actorOf(request));
  }

  @Get()
  @RequireRole('admin')
  @ApiOperation({ summary: 'API tokens, without their secrets (role: admin)' })
  @ApiOkResponse({ type: [ApiTokenDto] })
  async list(): Promise<ApiTokenView[]> {
    return this.tokens.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Revoke an API token (role: admin)' })
  @ApiNoContentResponse()
  async revoke(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<void> {
    await this.tokens.revoke(parseInput(z.uuid(), id, 'token id'), actorOf(request));
  }
}
