import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { CLOCK, RANDOM_BYTES } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import { generateSecret, hashSecret, SECRET_PREFIX } from '../common/secrets.ts';
import type { Actor } from '../audit/audit-event.ts';
import { API_ROLES, type ApiRole } from './api-role.ts';
import { ApiTokenRepository, type ApiTokenView, type StoredApiToken } from './api-token.repository.ts';

export interface CreatedApiToken extends ApiTokenView {
  /** The secret: shown once, stored only as a hash. */
  readonly token: string;
}

@Injectable()
export class ApiTokenService {
  private readonly repository: ApiTokenRepository;
  private readonly clock: Clock;

  private readonly randomBytes: (size: number) => Buffer;

  constructor(
    @Inject(ApiTokenRepository) repository: ApiTokenRepository,
    @Inject(CLOCK) clock: Clock,
    @Inject(RANDOM_BYTES) randomBytes: (size: number) => Buffer,
  ) {
    this.repository = repository;
    this.clock = clock;
    this.randomBytes = randomBytes;
  }

  async create(name: string, role: string, ttlDays: number | null, actor: Actor): Promise<CreatedApiToken> {
    if (!API_ROLES.includes(role as ApiRole)) {
      throw new UpkeepError('INPUT_INVALID', `role "${role}" is not one of ${API_ROLES.join(', ')}`);
    }
    if (name.trim() === '' || name.length > 100)
      throw new UpkeepError('INPUT_INVALID', 'name must be 1-100 characters');
    const token = generateSecret(SECRET_PREFIX.api, this.randomBytes);
    const view = await this.repository.create(
      {
        id: randomUUID(),
        name: name.trim(),
        role: role as ApiRole,
        tokenHash: hashSecret(token),
        expiresAt: ttlDays === null ? null : new Date(this.clock.now().getTime() + ttlDays * 86_400_000),
      },
      actor,
    );
    return { ...view, token };
  }

  list(): Promise<ApiTokenView[]> {
    return this.repository.list();
  }

  async revoke(id: string, actor: Actor): Promise<void> {
    if (!(await this.repository.revoke(id, actor)))
      throw new UpkeepError('NOT_FOUND', `API token ${id} does not exist`);
  }

  /** The token behind an `Authorization: Bearer upk_api_…` header, or an UNAUTHENTICATED error. */
  async authenticate(header: string | undefined): Promise<StoredApiToken> {
    const match = /^Bearer\s+(upk_api_\S+)$/i.exec(header ?? '');
    const secret = match?.[1];
    if (secret === undefined) {
      throw new UpkeepError(
        'UNAUTHENTICATED',
        'no API token: send Authorization: Bearer upk_api_…, or log in with POST /api/session',
        { hint: 'create one with `upkeep-server api-token create --role viewer --name me`' },
      );
    }
    return this.authenticateSecret(secret);
  }

  /** The usable token behind a secret (`upk_api_…`), or an UNAUTHENTICATED error. */
  async authenticateSecret(secret: string): Promise<StoredApiToken> {
    if (!secret.startsWith(SECRET_PREFIX.api))
      throw new UpkeepError('UNAUTHENTICATED', `an API token starts with ${SECRET_PREFIX.api}`);
    const stored = await this.repository.findByHash(hashSecret(secret));
    if (stored === null) throw new UpkeepError('UNAUTHENTICATED', 'the API token is not known');
    if (!stored.usable)
      throw new UpkeepError('UNAUTHENTICATED', `API token ${stored.name} is revoked or expired`);
    return stored;
  }
}
