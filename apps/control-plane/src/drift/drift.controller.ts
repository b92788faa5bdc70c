import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { parseInput } from '../rest/parse-input.ts';
import { DriftReportDto } from './drift.dto.ts';
import { DriftService } from './drift.service.ts';
import type { DriftReport } from './drift.ts';

const driftQuery = z.object({
  component: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'is not a component name' })
    .optional(),
  group: z.string().min(1).optional(),
  label: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]))
    .pipe(z.array(z.string().regex(/^[^=]+=.*$/, { message: 'must be key=value' }))),
  kind: z
    .enum(['off_approved', 'advisory', 'rolled_back'], {
      error: 'must be off_approved, advisory or rolled_back',
    })
    .optional(),
  all: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
});

@ApiTags('drift')
@Controller('api/drift')
export class DriftController {
  private readonly drift: DriftService;

  constructor(@Inject(DriftService) drift: DriftService) {
    this.drift = drift;
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      'Drift from policy: host × component off the approved version, affected by a known advisory, or rolled back and stuck (role: viewer)',
  })
  @ApiQuery({ name: 'component', required: false })
  @ApiQuery({ name: 'group', required: false })
  @ApiQuery({ name: 'label', required: false, isArray: true, description: 'key=value; repeat for several' })
  @ApiQuery({ name: 'kind', required: false, enum: ['off_approved', 'advisory', 'rolled_back'] })
  @ApiQuery({ name: 'all', required: false, description: 'true: every row, drifting or not (default false)' })
  @ApiOkResponse({ type: DriftReportDto })
  async report(@Query() query: unknown): Promise<DriftReport> {
    const parsed = parseInput(driftQuery, query, 'query');
    const labels = Object.fromEntries(
      parsed.label.map((pair) => {
        const index = pair.indexOf('=');
        return [pair.slice(0, index), pair.slice(index + 1)];
      }),
    );
    return this.drift.report({
      component: parsed.component,
      group: parsed.group,
      labels,
      kind: parsed.kind,
      all: parsed.all,
    });
  }
}
