import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { UpkeepError } from '@upkeep/errors';
import { hashSecret, sameHash } from '../common/secrets.ts';
import { CONFIG } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';

/**
 * GET /metrics needs `Authorization: Bearer <UPKEEP_METRICS_TOKEN>` when that variable is
 * set; unset, the endpoint is open (the usual Prometheus set-up on a private network).
 * A separate secret from the API tokens: a scraper gets no role in the API.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: string | null;

  constructor(@Inject(CONFIG) config: AppConfig) {
    const token = config.metricsToken;
    this.expected = token === undefined ? null : hashSecret(token.reveal());
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === null) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    // Hashes have equal lengths, so the comparison takes the same time whatever was sent.
    if (match?.[1] !== undefined && sameHash(hashSecret(match[1]), this.expected)) return true;
    throw new UpkeepError(
      'UNAUTHENTICATED',
      match === null ? 'GET /metrics needs a bearer token' : 'the metrics token is not valid',
      { hint: 'send Authorization: Bearer <UPKEEP_METRICS_TOKEN> (Prometheus: authorization.credentials)' },
    );
  }
}
