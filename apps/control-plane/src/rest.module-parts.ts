import type { Provider, Type } from '@nestjs/common';
import { ArtifactController } from './artifacts/artifact.controller.ts';
import { ArtifactRepository } from './artifacts/artifact.repository.ts';
import { ArtifactService } from './artifacts/artifact.service.ts';
import { AgentHttpGuard } from './artifacts/agent-http.guard.ts';
import { AuditController } from './audit/audit.controller.ts';
import { ComponentController } from './components/component.controller.ts';
import { ComponentRepository } from './components/component.repository.ts';
import { ComponentService } from './components/component.service.ts';
import { AuditService } from './audit/audit.service.ts';
import { UpgradeHistoryRepository } from './audit/upgrade-history.repository.ts';
import { ApiAuthGuard } from './auth/api-auth.guard.ts';
import { ApiSessionController } from './auth/api-session.controller.ts';
import { ApiSessionRepository } from './auth/api-session.repository.ts';
import { ApiSessionService } from './auth/api-session.service.ts';
import { ApiTokenController } from './auth/api-token.controller.ts';
import { ApiTokenRepository } from './auth/api-token.repository.ts';
import { ApiTokenService } from './auth/api-token.service.ts';
import { EnrollmentTokenController } from './enrollment/enrollment-token.controller.ts';
import { HealthController } from './health/health.controller.ts';
import { HealthRepository } from './health/health.repository.ts';
import { HealthService } from './health/health.service.ts';
import { HostController } from './hosts/host.controller.ts';
import { HostService } from './hosts/host.service.ts';
import { JobController } from './jobs/job.controller.ts';
import { FleetCheckController } from './check/fleet-check.controller.ts';
import { FleetCheckRepository } from './check/fleet-check.repository.ts';
import { FleetCheckService } from './check/fleet-check.service.ts';
import { RolloutController } from './rollouts/rollout.controller.ts';
import { RolloutEventStream } from './rollouts/rollout-event-stream.ts';
import { RolloutService } from './rollouts/rollout.service.ts';
import { NotificationController } from './notifications/notification.controller.ts';
import { MetricsController } from './metrics/metrics.controller.ts';
import { MetricsTokenGuard } from './metrics/metrics-token.guard.ts';
import { MeController } from './auth/me.controller.ts';
import { DriftController } from './drift/drift.controller.ts';
import { DriftRepository } from './drift/drift.repository.ts';
import { DriftService } from './drift/drift.service.ts';

/** The REST API's controllers and the services only they use. */
export const REST_CONTROLLERS: Type[] = [
  HealthController,
  HostController,
  EnrollmentTokenController,
  JobController,
  AuditController,
  ApiTokenController,
  ApiSessionController,
  ArtifactController,
  ComponentController,
  FleetCheckController,
  RolloutController,
  NotificationController,
  MetricsController,
  MeController,
  DriftController,
];

export const REST_PROVIDERS: Provider[] = [
  AgentHttpGuard,
  ArtifactRepository,
  ArtifactService,
  ComponentRepository,
  ComponentService,
  AuditService,
  UpgradeHistoryRepository,
  ApiAuthGuard,
  ApiTokenRepository,
  ApiTokenService,
  ApiSessionRepository,
  ApiSessionService,
  HealthRepository,
  HealthService,
  HostService,
  FleetCheckRepository,
  FleetCheckService,
  RolloutService,
  RolloutEventStream,
  MetricsTokenGuard,
  DriftRepository,
  DriftService,
];
