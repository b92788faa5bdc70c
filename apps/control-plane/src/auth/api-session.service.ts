import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { CLOCK, RANDOM_BYTES } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import { generateSecret, hashSecret, SECRET_PREFIX } from '../common/secrets.ts';
import type { Actor } from '../audit/audit-event.ts';
import { ApiSessionRepository } from './api-session.repository.ts';
import type { StoredApiToken } from './api-token.repository.ts';
import { ApiTokenService } from './api-token.service.ts';

/** A console session lasts 12 hours at most, and never beyond its token. */
export const SESSION_TTL_MS = 12 * 3_600_000;

export interface StartedApiSession {
  /** The cookie's value: given to the browser once, stored only as its hash. */
  readonly secret: string;
  readonly maxAgeSeconds: number;
  readonly token: StoredApiToken;
}

export interface AuthenticatedSession {
  readonly sessionId: string;
  readonly token: StoredApiToken;
}

@Injectable()
export class ApiSessionService {
  private readonly tokens: ApiTokenService;
  private readonly repository: ApiSessionRepository;
  private readonly clock: Clock;
  private readonly randomBytes: (size: number) => Buffer;

  constructor(
    @Inject(ApiTokenService) tokens: ApiTokenService,
    @Inject(ApiSessionRepository) repository: ApiSessionRepository,
    @Inject(CLOCK) clock: Clock,
    @Inject(RANDOM_BYTES) randomBytes: (size: number) => Buffer,
  ) {
    this.tokens = tokens;
    this.repository = repository;
    this.clock = clock;
    this.randomBytes = randomBytes;
  }

  /** Checks the API token as the bearer guard does and opens a session acting as it. */
  async start(tokenSecret: string, requestId: string | undefined): Promise<StartedApiSession> {
    const token = await this.tokens.authenticateSecret(tokenSecret.trim());
    const now = this.clock.now().getTime();
    const expiresAt = new Date(Math.min(now + SESSION_TTL_MS, token.expiresAt?.getTime() ?? Infinity));
    const secret = generateSecret(SECRET_PREFIX.session, this.randomBytes);
    await this.repository.create(
      { id: hashSecret(secret), tokenId: token.id, expiresAt },
      { type: 'api_token', id: token.id, requestId },
    );
    return { secret, maxAgeSeconds: Math.max(1, Math.floor((expiresAt.getTime() - now) / 1000)), token };
  }

  /** The session behind a cookie secret and its token, or an UNAUTHENTICATED error. */
  async authenticate(secret: string): Promise<AuthenticatedSession> {
    const session = await this.repository.findById(hashSecret(secret));
    if (session === null || !session.usable) {
      throw new UpkeepError('UNAUTHENTICATED', 'the console session is unknown or expired; log in again', {
        hint: 'POST /api/session with {"token": "upk_api_…"}',
      });
    }
    if (!session.token.usable) {
      throw new UpkeepError(
        'UNAUTHENTICATED',
        `API token ${session.token.name} of this session is revoked or expired`,
      );
    }
    return { sessionId: session.id, token: session.token };
  }

  async end(sessionId: string, actor: Actor): Promise<void> {
    await this.repository.delete(sessionId, actor);
  }
}
