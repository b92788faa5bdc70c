import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The REST API's OpenAPI document, built from the controllers' decorators. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Upkeep control plane')
    .setDescription(
      'Fleet API: hosts, enrollment tokens, jobs and the audit trail. Every endpoint states the role it needs ' +
        '(viewer < operator < approver < admin); send `Authorization: Bearer <api token>`, or the ' +
        '`upkeep_session` cookie of POST /api/session (then writes also need `X-Upkeep-Request: console`).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API token (upk_api_…)' }, 'api-token')
    .addCookieAuth(
      'upkeep_session',
      { type: 'apiKey', in: 'cookie', description: 'console session of POST /api/session (HttpOnly)' },
      'console-session',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'agent credential (upk_agent_…)' },
      'agent-credential',
    )
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the document at /api/docs (UI) and /api/docs-json. */
export function setUpOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'api/docs-json' });
}
