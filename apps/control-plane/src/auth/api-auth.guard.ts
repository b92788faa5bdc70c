import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { UpkeepError } from '@upkeep/errors';
import { CONFIG } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import { roleAllows, type ApiCaller, type ApiRole } from './api-role.ts';
import type { StoredApiToken } from './api-token.repository.ts';
import { ApiTokenService } from './api-token.service.ts';
import { ApiSessionService } from './api-session.service.ts';
import {
  CSRF_HEADER,
  CSRF_HEADER_VALUE,
  csrfSafe,
  SESSION_COOKIE,
  sessionSecretOf,
} from './session-cookie.ts';

export const REQUIRED_ROLE_KEY = 'upkeep:required-role';

export interface AuthenticatedRequest extends Request {
  caller?: ApiCaller;
}

/**
 * Authenticates the API token (a bearer header, or the console session cookie acting as its token)
 * and checks the endpoint's role; the caller becomes the audit actor.
 */
/** The request id pino-http gave this request (echoed as x-request-id), as text. */
export function requestIdOf(request: Request): string | undefined {
  return typeof request.id === 'string' || typeof request.id === 'number' ? String(request.id) : undefined;
}

@Injectable()
export class ApiAuthGuard implements CanActivate {
  private readonly reflector: Reflector;
  private readonly tokens: ApiTokenService;
  private readonly sessions: ApiSessionService;
  private readonly publicUrl: string;

  constructor(
    @Inject(Reflector) reflector: Reflector,
    @Inject(ApiTokenService) tokens: ApiTokenService,
    @Inject(ApiSessionService) sessions: ApiSessionService,
    @Inject(CONFIG) config: AppConfig,
  ) {
    this.reflector = reflector;
    this.tokens = tokens;
    this.sessions = sessions;
    this.publicUrl = config.publicUrl;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const need = this.reflector.getAllAndOverride<ApiRole | undefined>(REQUIRED_ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (need === undefined) throw new UpkeepError('INTERNAL', 'endpoint has no required role');
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const { token, sessionId } = await this.callerOf(request);
    if (!roleAllows(token.role, need)) {
      throw new UpkeepError(
        'FORBIDDEN',
        `this needs the ${need} role; token ${token.name} has ${token.role}`,
      );
    }
    request.caller = {
      tokenId: token.id,
      name: token.name,
      role: token.role,
      sessionId,
      requestId: requestIdOf(request),
    };
    return true;
  }

  /** A bearer header wins; without one, the session cookie, which must also pass the CSRF rule. */
  private async callerOf(
    request: AuthenticatedRequest,
  ): Promise<{ token: StoredApiToken; sessionId: string | undefined }> {
    const secret = sessionSecretOf(request.headers.cookie);
    if (request.headers.authorization !== undefined || secret === undefined)
      return { token: await this.tokens.authenticate(request.headers.authorization), sessionId: undefined };
    const session = await this.sessions.authenticate(secret);
    if (!csrfSafe(request, this.publicUrl)) {
      throw new UpkeepError(
        'FORBIDDEN',
        `CSRF rule: a ${request.method} authenticated by the ${SESSION_COOKIE} cookie needs the header ` +
          `${CSRF_HEADER}: ${CSRF_HEADER_VALUE} or an Origin equal to this server's`,
      );
    }
    return { token: session.token, sessionId: session.sessionId };
  }
}
