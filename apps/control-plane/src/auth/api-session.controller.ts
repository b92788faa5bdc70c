import { Body, Controller, Delete, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { UpkeepError } from '@upkeep/errors';
import { CONFIG } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import { actorOf } from '../rest/caller-actor.ts';
import { parseInput } from '../rest/parse-input.ts';
import { requestIdOf, type AuthenticatedRequest } from './api-auth.guard.ts';
import type { ApiRole } from './api-role.ts';
import { ApiSessionService } from './api-session.service.ts';
import { MeDto } from './me.controller.ts';
import { RequireRole } from './require-role.decorator.ts';
import { cameOverHttps, clearedSessionCookie, sessionCookie } from './session-cookie.ts';

export class StartSessionDto {
  @ApiProperty({ type: String, description: 'an API token', example: 'upk_api_…' }) token!: string;
}

const startBody = z.strictObject({ token: z.string().min(1).max(200) });

/** The web console's login: an API token traded for an HttpOnly session cookie acting as that token. */
@ApiTags('api tokens')
@Controller('api/session')
export class ApiSessionController {
  private readonly sessions: ApiSessionService;
  private readonly publicUrl: string;

  constructor(@Inject(ApiSessionService) sessions: ApiSessionService, @Inject(CONFIG) config: AppConfig) {
    this.sessions = sessions;
    this.publicUrl = config.publicUrl;
  }

  @Post()
  @ApiOperation({
    summary:
      'Log in with an API token: sets the HttpOnly cookie upkeep_session (at most 12 h, never past the ' +
      "token's expiry). Cookie-authenticated writes need the header X-Upkeep-Request: console",
  })
  @ApiBody({ type: StartSessionDto })
  @ApiCreatedResponse({ type: MeDto, description: 'who the token belongs to and its role, as GET /api/me' })
  @ApiUnauthorizedResponse({ description: 'unknown, revoked or expired API token; no cookie is set' })
  async start(
    @Body() body: StartSessionDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ name: string; role: ApiRole }> {
    const input = parseInput(startBody, body, 'body');
    const started = await this.sessions.start(input.token, requestIdOf(request));
    response.append(
      'Set-Cookie',
      sessionCookie(started.secret, started.maxAgeSeconds, cameOverHttps(request, this.publicUrl)),
    );
    return { name: started.token.name, role: started.token.role };
  }

  @Delete()
  @HttpCode(204)
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Log out: ends the session of the upkeep_session cookie and clears it' })
  @ApiNoContentResponse()
  async end(
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const sessionId = request.caller?.sessionId;
    if (sessionId === undefined) {
      throw new UpkeepError('INPUT_INVALID', 'this request carries no console session to end', {
        hint: 'send it with the upkeep_session cookie and no Authorization header; revoke a token with DELETE /api/api-tokens/{id}',
      });
    }
    await this.sessions.end(sessionId, actorOf(request));
    response.append('Set-Cookie', clearedSessionCookie(cameOverHttps(request, this.publicUrl)));
  }
}
