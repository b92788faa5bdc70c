import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AgentAuthenticator } from '../gateway/agent-authenticator.ts';

/** Lets an enrolled, unrevoked agent through, by its credential (artifact downloads). */
@Injectable()
export class AgentHttpGuard implements CanActivate {
  private readonly authenticator: AgentAuthenticator;

  constructor(@Inject(AgentAuthenticator) authenticator: AgentAuthenticator) {
    this.authenticator = authenticator;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    await this.authenticator.authenticateHttp(request.headers.authorization, request.ip ?? 'unknown');
    return true;
  }
}
