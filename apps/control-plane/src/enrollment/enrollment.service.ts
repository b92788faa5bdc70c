import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { UpkeepError } from '@upkeep/errors';
import { CLOCK, CONFIG, LOGGER, RANDOM_BYTES } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import { generateSecret, hashSecret, SECRET_PREFIX } from '../common/secrets.ts';
import type { Actor } from '../audit/audit-event.ts';
import { EnrollmentRepository, type EnrollmentTokenView } from './enrollment.repository.ts';

const LABEL_KEY = /^[a-z0-9]([a-z0-9._/-]{0,62}[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9._:/@+-]{0,128}$/;
const GROUP = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export interface EnrollmentTokenRequest {
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly singleUse: boolean;
  readonly ttlSeconds: number;
}

export interface CreatedEnrollmentToken extends EnrollmentTokenView {
  /** The secret itself: shown once, stored only as a hash. */
  readonly token: string;
}

export interface EnrollInput {
  readonly token: string;
  readonly hostname: string;
  readonly os: string;
  readonly arch: string;
  readonly agentVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  /** sha256 of the verified client certificate under mTLS, else null. */
  readonly certFingerprint: string | null;
}

export interface Enrolled {
  readonly agentId: string;
  readonly credential: string;
  readonly assignmentPublicKeyPem: string;
  readonly assignmentKeyId: string;
  readonly labels: Record<string, string>;
  readonly groups: string[];
}

export function validateLabels(labels: Readonly<Record<string, string>>, where: string): void {
  const entries = Object.entries(labels);
  if (entries.length > 64)
    throw new UpkeepError('INPUT_INVALID', `${where}: at most 64 labels, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) {
      throw new UpkeepError('INPUT_INVALID', `${where}: label key "${key}" is not valid`, {
        hint: 'lower-case letters, digits, ".", "_", "-", "/"; at most 64 characters',
      });
    }
    if (typeof value !== 'string' || !LABEL_VALUE.test(value)) {
      throw new UpkeepError('INPUT_INVALID', `${where}: label ${key} has an invalid value`, {
        hint: 'letters, digits and ._:/@+- ; at most 128 characters',
      });
    }
  }
}

function requireText(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > max) {
    throw new UpkeepError('INPUT_INVALID', `${field} must be 1-${max} characters, got ${trimmed.length}`);
  }
  return trimmed;
}

@Injectable()
export class EnrollmentService {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly repository: EnrollmentRepository;
  private readonly randomBytes: (size: number) => Buffer;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) clock: Clock,
    @Inject(EnrollmentRepository) repository: EnrollmentRepository,
    @Inject(RANDOM_BYTES) randomBytes: (size: number) => Buffer,
  ) {
    this.randomBytes = randomBytes;
    this.config = config;
    this.logger = logger;
    this.clock = clock;
    this.repository = repository;
  }

  async createToken(request: EnrollmentTokenRequest, actor: Actor): Promise<CreatedEnrollmentToken> {
    validateLabels(request.labels, 'labels');
    for (const group of request.groups) {
      if (!GROUP.test(group)) throw new UpkeepError('INPUT_INVALID', `group "${group}" is not valid`);
    }
    if (
      !Number.isSafeInteger(request.ttlSeconds) ||
      request.ttlSeconds < 60 ||
      request.ttlSeconds > 30 * 86_400
    ) {
      throw new UpkeepError('INPUT_INVALID', `ttlSeconds ${request.ttlSeconds} is out of range`, {
        hint: 'between 60 (one minute) and 2592000 (30 days)',
      });
    }
    const token = generateSecret(SECRET_PREFIX.enrollment, this.randomBytes);
    const view = await this.repository.createToken(
      {
        id: randomUUID(),
        tokenHash: hashSecret(token),
        description: request.description,
        labels: request.labels,
        groups: request.groups,
        singleUse: request.singleUse,
        expiresAt: new Date(this.clock.now().getTime() + request.ttlSeconds * 1000),
      },
      actor,
    );
    return { ...view, token };
  }

  listTokens(limit: number): Promise<EnrollmentTokenView[]> {
    return this.repository.listTokens(limit);
  }

  async revokeToken(id: string, actor: Actor): Promise<void> {
    if (!(await this.repository.revokeToken(id, actor))) {
      throw new UpkeepError('NOT_FOUND', `enrollment token ${id} does not exist`);
    }
  }

  /** Exchanges an enrollment token for a new agent identity and credential. */
  async enroll(input: EnrollInput): Promise<Enrolled> {
    if (!input.token.startsWith(SECRET_PREFIX.enrollment)) {
      throw new UpkeepError('UNAUTHENTICATED', 'that is not an enrollment token', {
        hint: 'create one with `upkeep enroll-token create` (it starts with upk_enroll_)',
      });
    }
    validateLabels(input.labels, 'requested labels');
    const hostId = randomUUID();
    const credential = generateSecret(SECRET_PREFIX.agent, this.randomBytes);
    const result = await this.repository.redeem({
      tokenHash: hashSecret(input.token),
      hostId,
      hostname: requireText(input.hostname, 'hostname', 255),
      os: requireText(input.os, 'os', 64),
      arch: requireText(input.arch, 'arch', 64),
      agentVersion: requireText(input.agentVersion, 'agent_version', 64),
      requestedLabels: input.labels,
      credentialId: randomUUID(),
      secretHash: hashSecret(credential),
      certFingerprint: input.certFingerprint,
    });
    if (!result.ok) {
      this.logger.warn({ reason: result.reason, hostname: input.hostname }, 'enrollment refused');
      const messages = {
        unknown: 'the enrollment token is not known',
        expired: 'the enrollment token has expired',
        revoked: 'the enrollment token was revoked',
        used: 'the enrollment token was single-use and has been used',
      } as const;
      throw new UpkeepError('UNAUTHENTICATED', messages[result.reason], {
        hint: 'ask an operator for a new enrollment token',
      });
    }
    this.logger.info(
      { hostId, hostname: input.hostname, mtls: input.certFingerprint !== null },
      'agent enrolled',
    );
    return {
      agentId: hostId,
      credential,
      assignmentPublicKeyPem: this.config.signingKey.publicKeyPem,
      assignmentKeyId: this.config.signingKey.keyId,
      labels: result.labels,
      groups: result.groups,
    };
  }
}
