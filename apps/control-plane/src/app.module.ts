import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CLOCK, CONFIG, LOGGER, PRISMA, RANDOM_BYTES, REDIS } from './common/tokens.ts';
import type { Clock } from './common/clock.ts';
import type { AppConfig } from './config/app-config.ts';
import type { PrismaClient } from './database/prisma-client.ts';
import { AuditRepository } from './audit/audit.repository.ts';
import { PolicyAuditService } from './audit/policy-audit.service.ts';
import { EnrollmentRepository } from './enrollment/enrollment.repository.ts';
import { EnrollmentService } from './enrollment/enrollment.service.ts';
import { AgentCredentialRepository } from './hosts/agent-credential.repository.ts';
import { HostRepository } from './hosts/host.repository.ts';
import { JobRepository } from './jobs/job.repository.ts';
import { RolloutJobOutcomeRepository } from './rollouts/rollout-job-outcome.repository.ts';
import { RolloutRepository } from './rollouts/rollout.repository.ts';
import { RolloutDriver } from './rollouts/rollout-driver.ts';
import { ROLLOUT_GUARDS, type RolloutGuard } from './rollouts/rollout-guard.ts';
import { NOTIFIER, type Notifier } from './notifications/notification-event.ts';
import { AssignmentDispatcher } from './jobs/assignment-dispatcher.ts';
import { AgentNotificationRepository } from './jobs/agent-notification.repository.ts';
import { JobService } from './jobs/job.service.ts';
import { OutboxRepository } from './outbox/outbox.repository.ts';
import { QueueRepository } from './outbox/queue.repository.ts';
import { BACKGROUND_OPTIONS, BackgroundWork, type BackgroundOptions } from './outbox/background-work.ts';
import { AgentAuthenticator } from './gateway/agent-authenticator.ts';
import { AgentGatewayController } from './gateway/agent-gateway.controller.ts';
import { GrpcExceptionFilter } from './gateway/grpc-exception.filter.ts';
import { SessionRegistry } from './gateway/session-registry.ts';
import { CatalogRepository } from './discovery/catalog.repository.ts';
import { DiscoveryService } from './discovery/discovery.service.ts';
import { ReleaseCacheRepository } from './discovery/release-cache.repository.ts';
import { UpstreamArtifactService } from './artifacts/upstream-artifact.service.ts';
import { UpstreamDownloadRepository } from './artifacts/upstream-download.repository.ts';
import { ArtifactSignatureRepository } from './artifacts/artifact-signature.repository.ts';
import { ArtifactOriginRepository } from './artifacts/artifact-origin.repository.ts';
import { REST_CONTROLLERS, REST_PROVIDERS } from './rest.module-parts.ts';
import { NotificationsModule } from './notifications/notifications.module.ts';
import { RolloutGuardsModule } from './rollout-guards/rollout-guards.module.ts';
import { AutoUpgradeRepository } from './auto-upgrade/auto-upgrade.repository.ts';
import { AUTO_ROLLOUTS, AutoUpgradeService } from './auto-upgrade/auto-upgrade.service.ts';
import { EngineAutoRollouts } from './auto-upgrade/engine-auto-rollouts.ts';
import { RELEASES_REFRESHED } from './discovery/releases-refreshed.ts';
import { MetricsRepository } from './metrics/metrics.repository.ts';
import { UpkeepMetrics } from './metrics/upkeep-metrics.ts';

/** The ports and clients created before Nest starts (config, logger, database, Redis, clock). */
export interface AppResources {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly prisma: PrismaClient;
  readonly redis: Redis;
  readonly clock: Clock;
  readonly background: BackgroundOptions;
  /** Guards the rollout driver consults; tests pass fakes. */
  readonly rolloutGuards?: readonly RolloutGuard[];
  /** A notifier given from outside (tests); the notifications module provides the real one. */
  readonly notifier?: Notifier;
}

const SERVICES: Type[] = [
  AuditRepository,
  PolicyAuditService,
  EnrollmentRepository,
  EnrollmentService,
  AgentCredentialRepository,
  HostRepository,
  JobRepository,
  RolloutJobOutcomeRepository,
  AssignmentDispatcher,
  AgentNotificationRepository,
  JobService,
  OutboxRepository,
  QueueRepository,
  BackgroundWork,
  AgentAuthenticator,
  GrpcExceptionFilter,
  SessionRegistry,
  CatalogRepository,
  ReleaseCacheRepository,
  DiscoveryService,
  UpstreamDownloadRepository,
  ArtifactSignatureRepository,
  ArtifactOriginRepository,
  UpstreamArtifactService,
  RolloutRepository,
  RolloutDriver,
  MetricsRepository,
  UpkeepMetrics,
  AutoUpgradeRepository,
  AutoUpgradeService,
  EngineAutoRollouts,
];

@Module({})
export class AppModule {
  static forRoot(resources: AppResources): DynamicModule {
    const ports: Provider[] = [
      { provide: CONFIG, useValue: resources.config },
      { provide: LOGGER, useValue: resources.logger },
      { provide: PRISMA, useValue: resources.prisma },
      { provide: REDIS, useValue: resources.redis },
      { provide: CLOCK, useValue: resources.clock },
      { provide: RANDOM_BYTES, useValue: randomBytes },
      { provide: BACKGROUND_OPTIONS, useValue: resources.background },
      // Guards given from outside (tests) replace the ones a guards module provides; none: the driver asks none.
      ...(resources.rolloutGuards === undefined
        ? []
        : [{ provide: ROLLOUT_GUARDS, useValue: resources.rolloutGuards }]),
      ...(resources.notifier === undefined ? [] : [{ provide: NOTIFIER, useValue: resources.notifier }]),
    ];
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: resources.logger,
            // Honour a caller's request id (proxies, the CLI) or mint one; it is echoed back.
            genReqId: (request: IncomingMessage, response) => {
              const header = request.headers['x-request-id'];
              const id = typeof header === 'string' && /^[\w.-]{1,128}$/.test(header) ? header : randomUUID();
              response.setHeader('x-request-id', id);
              return id;
            },
            customProps: () => ({ component: 'http' }),
          },
        }),
        NotificationsModule.forRoot(ports),
        RolloutGuardsModule.forRoot(ports),
      ],
      controllers: [AgentGatewayController, ...REST_CONTROLLERS],
      providers: [
        ...ports,
        ...SERVICES,
        ...REST_PROVIDERS,
        { provide: AUTO_ROLLOUTS, useExisting: EngineAutoRollouts },
        // Discovery tells auto-upgrade after every refresh.
        { provide: RELEASES_REFRESHED, useExisting: AutoUpgradeService },
      ],
    };
  }
}
