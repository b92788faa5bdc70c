import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { UpkeepError } from '@upkeep/errors';
import { roleAllows, type ApiCaller, type ApiRole } from './api-role.ts';
import { ApiTokenService } from './api-token.service.ts';

export const REQUIRED_ROLE_KEY = 'upkeep:required-role';

export interface AuthenticatedRequest extends Request {
  caller?: ApiCaller;
}

/** Authenticates the API token and checks the endpoint's role; the caller becomes the audit actor. */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  private readonly reflector: Reflector;
  private readonly tokens: ApiTokenService;

  constructor(@Inject(Reflector) reflector: Reflector, @Inject(ApiTokenService) tokens: ApiTokenService) {
    this.reflector = reflector;
    this.tokens = tokens;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const need = this.reflector.getAllAndOverride<ApiRole | undefined>(REQUIRED_ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (need === undefined) throw new UpkeepError('INTERNAL', 'endpoint has no required role');
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = await this.tokens.authenticate(request.headers.authorization);
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
      requestId:
        typeof request.id === 'string' || typeof request.id === 'number' ? String(request.id) : undefined,
    };
    return true;
  }
}
