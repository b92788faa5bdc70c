import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { UpkeepError } from '@upkeep/errors';
import type { AuthenticatedRequest } from './api-auth.guard.ts';
import { API_ROLES, type ApiRole } from './api-role.ts';
import { RequireRole } from './require-role.decorator.ts';

export class MeDto {
  @ApiProperty({ type: String, description: 'the API token name' }) name!: string;
  @ApiProperty({ type: String, enum: API_ROLES }) role!: string;
}

@ApiTags('api tokens')
@Controller('api/me')
export class MeController {
  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Who the API token belongs to and its role (role: viewer)' })
  @ApiOkResponse({ type: MeDto })
  me(@Req() request: AuthenticatedRequest): { name: string; role: ApiRole } {
    const caller = request.caller;
    if (caller === undefined)
      throw new UpkeepError('INTERNAL', 'request reached a handler without authentication');
    return { name: caller.name, role: caller.role };
  }
}
