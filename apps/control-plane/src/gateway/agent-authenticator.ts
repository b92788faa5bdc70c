import type { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { UpkeepError } from '@upkeep/errors';
import { AUTHORIZATION_METADATA_KEY } from '@upkeep/proto';
import { CONFIG, LOGGER } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import { hashSecret, SECRET_PREFIX } from '../common/secrets.ts';
import { AgentCredentialRepository, type StoredCredential } from '../hosts/agent-credential.repository.ts';
import { bearerToken, peerCertificateFingerprint, requireDeadline, type GrpcCallInfo } from './grpc-call.ts';

export interface AuthenticatedAgent {
  readonly hostId: string;
  readonly credentialId: string;
}

/** Checks the credential (and, under mTLS, the client certificate bound to it) on every agent call. */
@Injectable()
export class AgentAuthenticator {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly credentials: AgentCredentialRepository;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(AgentCredentialRepository) credentials: AgentCredentialRepository,
  ) {
    this.config = config;
    this.logger = logger;
    this.credentials = credentials;
  }

  async authenticate(
    metadata: Metadata | undefined,
    call: GrpcCallInfo | undefined,
  ): Promise<AuthenticatedAgent> {
    requireDeadline(call);
    const peer = call?.getPeer() ?? 'unknown';
    const stored = await this.verifySecret(bearerToken(metadata, AUTHORIZATION_METADATA_KEY), peer);
    if (this.config.mtls) {
      const fingerprint = peerCertificateFingerprint(call);
      // Under mTLS the credential only works with the certificate it was enrolled with.
      if (fingerprint === null || fingerprint !== stored.certFingerprint) {
        this.refuse(
          peer,
          'certificate-mismatch',
          `the client certificate is not the one agent ${stored.hostId} enrolled with`,
          'FORBIDDEN',
        );
      }
    }
    return { hostId: stored.hostId, credentialId: stored.credentialId };
  }

  /** For HTTP (artifact downloads): the credential from an `Authorization: Bearer` header. */
  async authenticateHttp(authorization: string | undefined, peer: string): Promise<AuthenticatedAgent> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const stored = await this.verifySecret(match?.[1] ?? null, peer);
    return { hostId: stored.hostId, credentialId: stored.credentialId };
  }

  private async verifySecret(secret: string | null, peer: string): Promise<StoredCredential> {
    if (secret?.startsWith(SECRET_PREFIX.agent) !== true) {
      return this.refuse(peer, 'missing', 'no agent credential (authorization: Bearer upk_agent_…)');
    }
    const stored = await this.credentials.findBySecretHash(hashSecret(secret));
    if (stored === null)
      return this.refuse(peer, 'unknown', 'the agent credential is not known to this control plane');
    if (stored.revoked || stored.hostRevoked)
      return this.refuse(peer, 'revoked', `agent ${stored.hostId} has been revoked`);
    return stored;
  }

  private refuse(
    peer: string,
    reason: string,
    message: string,
    code: 'UNAUTHENTICATED' | 'FORBIDDEN' = 'UNAUTHENTICATED',
  ): never {
    this.logger.warn({ peer, reason }, 'agent call refused');
    throw new UpkeepError(code, message, {
      hint: 're-enroll the agent with a new enrollment token if its credential was revoked',
    });
  }
}
