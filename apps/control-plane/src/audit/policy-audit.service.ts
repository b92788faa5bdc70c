import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CLOCK, CONFIG, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import { AuditRepository } from './audit.repository.ts';

/**
 * The policy file is edited outside the control plane, so its change is noticed
 * at start-up: a `policy.changed` audit event when UPKEEP_POLICY_FILE's content
 * hash differs from the last one recorded.
 */
@Injectable()
export class PolicyAuditService implements OnApplicationBootstrap {
  private readonly config: AppConfig;
  private readonly audit: AuditRepository;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(AuditRepository) audit: AuditRepository,
    @Inject(CLOCK) clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.config = config;
    this.audit = audit;
    this.clock = clock;
    this.logger = logger;
  }

  async onApplicationBootstrap(): Promise<void> {
    const policy = this.config.policy;
    if (policy === null) return;
    const recorded = await this.audit.recordPolicyChange(
      { path: policy.path, sha256: policy.sha256 },
      this.clock.now(),
    );
    if (recorded !== undefined) {
      this.logger.info(
        { path: policy.path, sha256: policy.sha256, previousSha256: recorded.previous },
        'policy changed since the last start; audited',
      );
    }
  }
}
