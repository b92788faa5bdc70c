import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiUnauthorizedResponse,
  ApiExtension,
} from '@nestjs/swagger';
import type { ApiRole } from './api-role.ts';
import { ApiAuthGuard, REQUIRED_ROLE_KEY } from './api-auth.guard.ts';

/** Marks the role an endpoint needs; the OpenAPI document states it (x-required-role). */
export function RequireRole(role: ApiRole): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_ROLE_KEY, role),
    UseGuards(ApiAuthGuard),
    ApiBearerAuth('api-token'),
    ApiCookieAuth('console-session'),
    ApiExtension('x-required-role', role),
    ApiUnauthorizedResponse({ description: 'missing, unknown, revoked or expired API token' }),
    ApiForbiddenResponse({
      description: `the token's role is below ${role}, or a cookie-authenticated write lacks X-Upkeep-Request: console`,
    }),
  );
}
