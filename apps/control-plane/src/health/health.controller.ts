import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthService, type Readiness } from './health.service.ts';

@ApiTags('health')
@Controller()
export class HealthController {
  private readonly health: HealthService;

  constructor(@Inject(HealthService) health: HealthService) {
    this.health = health;
  }

  @Get('healthz')
  @ApiOperation({ summary: 'The process is up (no authentication)' })
  @ApiOkResponse({ description: '{"status":"ok"}' })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Postgres, Redis and the schema migrations are ready (no authentication)' })
  @ApiOkResponse({ description: 'every check passed' })
  @ApiServiceUnavailableResponse({ description: 'at least one check failed; the body says which' })
  async readyz(@Res({ passthrough: true }) response: Response): Promise<Readiness> {
    const readiness = await this.health.readiness();
    response.status(readiness.status === 'ready' ? 200 : 503);
    return readiness;
  }
}
