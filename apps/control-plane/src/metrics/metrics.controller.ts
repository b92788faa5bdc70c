import { Controller, Get, Header, Inject, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { MetricsTokenGuard } from './metrics-token.guard.ts';
import { UpkeepMetrics } from './upkeep-metrics.ts';

@ApiTags('metrics')
@Controller()
export class MetricsController {
  private readonly metrics: UpkeepMetrics;

  constructor(@Inject(UpkeepMetrics) metrics: UpkeepMetrics) {
    this.metrics = metrics;
  }

  @Get('metrics')
  @UseGuards(MetricsTokenGuard)
  @ApiBearerAuth()
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format); bearer UPKEEP_METRICS_TOKEN when it is set',
  })
  @ApiOkResponse({ description: 'every upkeep_* family; fleet gauges are read from Postgres at scrape time' })
  @ApiUnauthorizedResponse({ description: 'UPKEEP_METRICS_TOKEN is set and the request did not carry it' })
  async metricsText(@Res({ passthrough: true }) response: Response): Promise<string> {
    const text = await this.metrics.scrape();
    response.type(this.metrics.contentType);
    return text;
  }
}
