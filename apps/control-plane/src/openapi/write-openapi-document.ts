import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { Module, type Type } from '@nestjs/common';
import { AgentAuthenticator } from '../gateway/agent-authenticator.ts';
import { CONFIG } from '../common/tokens.ts';
import { REST_CONTROLLERS, REST_PROVIDERS } from '../rest.module-parts.ts';
import { buildOpenApiDocument } from './openapi-document.ts';

// Builds the document from the controllers alone, with every dependency stubbed: no database, Redis or
// configuration is needed to describe the API. The dependencies are read from the controllers' own
// @Inject metadata, so a new controller needs nothing here.
function injectedTokens(controller: Type): unknown[] {
  const params = Reflect.getMetadata('self:paramtypes', controller) as { param: unknown }[] | undefined;
  return (params ?? []).map(({ param }) => param);
}
// Guards are instantiated too, with their dependencies: the agent authenticator, and the config (empty:
// /metrics open).
const tokens = new Set([
  ...REST_PROVIDERS,
  AgentAuthenticator,
  CONFIG,
  ...REST_CONTROLLERS.flatMap(injectedTokens),
]);
const stubs = [...tokens].map((token) => ({ provide: token as Type, useValue: {} }));

@Module({ controllers: REST_CONTROLLERS, providers: stubs })
class OpenApiModule {}

const target = process.argv[2];
if (target === undefined) {
  process.stderr.write('usage: write-openapi-document <file>\n');
  process.exit(2);
}
// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- Nest documents a plain object here
const app = await NestFactory.create(OpenApiModule, { logger: false, abortOnError: false });
writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
await app.close();
