import type { Provider, Type } from '@nestjs/common';
import { AuditController } from './audit/audit.controller.ts';
import { AuditService } from './audit/audit.service.ts';
import { ApiAuthGuard } from './auth/api-auth.guard.ts';
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

/** The REST API's controllers and the services only they use. */
export const REST_CONTROLLERS: Type[] = [
  HealthController,
  HostController,
  EnrollmentTokenController,
  JobController,
  AuditController,
  ApiTokenController,
];

export const REST_PROVIDERS: Provider[] = [
  AuditService,
  ApiAuthGuard,
  ApiTokenRepository,
  ApiTokenService,
  HealthRepository,
  HealthService,
  HostService,
];
