import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { parseInput } from '../rest/parse-input.ts';
import { ComponentDto, ComponentOverviewDto, ReleaseDto } from './component.dto.ts';
import { ComponentService } from './component.service.ts';
import type { ComponentOverview, ComponentView, ReleaseView } from './component.ts';

const releasesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const componentName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { message: 'is not a component name' });

@ApiTags('components')
@Controller('api/components')
export class ComponentController {
  private readonly components: ComponentService;

  constructor(@Inject(ComponentService) components: ComponentService) {
    this.components = components;
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      'Components with their newest known release and the versions installed in the fleet (role: viewer)',
  })
  @ApiOkResponse({ type: [ComponentDto] })
  async list(): Promise<ComponentView[]> {
    return this.components.list();
  }

  @Get(':name/releases')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Known releases of a component, newest first (role: viewer)' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: [ReleaseDto] })
  async releases(@Param('name') name: string, @Query() query: unknown): Promise<ReleaseView[]> {
    return this.components.releases(
      parseInput(componentName, name, 'component name'),
      parseInput(releasesQuery, query, 'query').limit,
    );
  }

  @Get(':name/overview')
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      'One component: releases upstream, what the base policy and each environment of versions.yaml resolve to, advisories and breaking changes (role: viewer)',
  })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: 'releases, default 50' })
  @ApiOkResponse({ type: ComponentOverviewDto })
  async overview(@Param('name') name: string, @Query() query: unknown): Promise<ComponentOverview> {
    return this.components.overview(
      parseInput(componentName, name, 'component name'),
      parseInput(releasesQuery, query, 'query').limit,
    );
  }
}
