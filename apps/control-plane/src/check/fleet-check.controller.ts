import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { parseInput } from '../rest/parse-input.ts';
import { FleetCheckRowDto } from './fleet-check.dto.ts';
import { FleetCheckService } from './fleet-check.service.ts';
import type { FleetCheckRow } from './fleet-check.ts';

const checkQuery = z.object({
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
});

@ApiTags('check')
@Controller('api/check')
export class FleetCheckController {
  private readonly check: FleetCheckService;

  constructor(@Inject(FleetCheckService) check: FleetCheckService) {
    this.check = check;
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      "Fleet-wide check: every host × installed component, current version vs the versions.yaml target (in the host's `env` environment) and the upgrade decision (role: viewer)",
  })
  @ApiQuery({ name: 'component', required: false })
  @ApiQuery({ name: 'group', required: false })
  @ApiQuery({
    name: 'label',
    required: false,
    isArray: true,
    description: 'key=value; repeat to require several',
  })
  @ApiOkResponse({ type: [FleetCheckRowDto] })
  async list(@Query() query: unknown): Promise<FleetCheckRow[]> {
    const parsed = parseInput(checkQuery, query, 'query');
    const labels = Object.fromEntries(
      parsed.label.map((pair) => {
        const index = pair.indexOf('=');
        return [pair.slice(0, index), pair.slice(index + 1)];
      }),
    );
    return this.check.check({ component: parsed.component, group: parsed.group, labels });
  }
}
