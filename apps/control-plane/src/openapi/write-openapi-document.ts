import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { Module, type Type } from '@nestjs/common';
import { EnrollmentService } from '../enrollment/enrollment.service.ts';
import { JobService } from '../jobs/job.service.ts';
import { AgentAuthenticator } from '../gateway/agent-authenticator.ts';
import { REST_CONTROLLERS, REST_PROVIDERS } from '../rest.module-parts.ts';
import { buildOpenApiDocument } from './openapi-document.ts';

// Builds the document from the controllers alone, with every dependency stubbed:
// no database, Redis or configuration is needed to describe the API.
const stubs = [...REST_PROVIDERS, EnrollmentService, JobService, AgentAuthenticator].map((provider) => ({
  provide: provider as Type,
  useValue: {},
}));

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
