import type { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { UpkeepError } from '@upkeep/errors';
import { AUTHORIZATION_METADATA_KEY } from '@upkeep/proto';
import { CONFIG, LOGGER } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import { hashSecret, SECRET_PREFIX } from '../common/secrets.ts';
import { AgentCredentialRepository } from '../hosts/agent-credential.repository.ts';
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
    const refuse = (
      reason: string,
      message: string,
      code: 'UNAUTHENTICATED' | 'FORBIDDEN' = 'UNAUTHENTICATED',
    ): never => {
      this.logger.warn({ peer, reason }, 'agent call refused');
      throw new UpkeepError(code, message, {
        hint: 're-enroll the agent with a new enrollment token if its credential was revoked',
      });
    };
    const secret = bearerToken(metadata, AUTHORIZATION_METADATA_KEY);
    if (secret?.startsWith(SECRET_PREFIX.agent) !== true) {
      return refuse(
        'missing',
        'no agent credential in the call metadata (authorization: Bearer upk_agent_…)',
      );
    }
    const stored = await this.credentials.findBySecretHash(hashSecret(secret));
    if (stored === null) return refuse('unknown', 'the agent credential is not known to this control plane');
    if (stored.revoked || stored.hostRevoked)
      return refuse('revoked', `agent ${stored.hostId} has been revoked`);
    if (this.config.mtls) {
      const fingerprint = peerCertificateFingerprint(call);
      // Under mTLS the credential only works with the certificate it was enrolled with.
      if (fingerprint === null || fingerprint !== stored.certFingerprint) {
        return refuse(
          'certificate-mismatch',
          `the client certificate is not the one agent ${stored.hostId} enrolled with`,
          'FORBIDDEN',
        );
      }
    }
    return { hostId: stored.hostId, credentialId: stored.credentialId };
  }
}
