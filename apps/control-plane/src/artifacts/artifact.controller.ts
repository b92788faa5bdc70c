import { Controller, Get, HttpCode, Inject, Param, Put, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtension,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from '../auth/require-role.decorator.ts';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.ts';
import { actorOf } from '../rest/caller-actor.ts';
import { AgentHttpGuard } from './agent-http.guard.ts';
import { StoredArtifactDto } from './artifact.dto.ts';
import { ArtifactService } from './artifact.service.ts';

@ApiTags('artifacts')
@Controller()
export class ArtifactController {
  private readonly artifacts: ArtifactService;

  constructor(@Inject(ArtifactService) artifacts: ArtifactService) {
    this.artifacts = artifacts;
  }

  @Put('api/artifacts/sha256/:sha256')
  @HttpCode(201)
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Store an artifact under its sha256; refused unless the bytes hash to it (role: operator)',
  })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiCreatedResponse({ type: StoredArtifactDto })
  async upload(
    @Param('sha256') sha256: string,
    @Req() request: AuthenticatedRequest,
  ): Promise<{ sha256: string; size: number; url: string }> {
    const stored = await this.artifacts.upload(sha256, request, actorOf(request));
    return { ...stored, url: `/artifacts/sha256/${stored.sha256}` };
  }

  @Get('artifacts/sha256/:sha256')
  @UseGuards(AgentHttpGuard)
  @ApiBearerAuth('agent-credential')
  @ApiExtension('x-required-role', 'agent')
  @ApiOperation({
    summary:
      'Download an artifact (agent credential; Range supported). One this replica lacks but that was fetched from upstream is fetched again first. Agents verify the sha256 themselves too.',
  })
  @ApiOkResponse({ description: 'the bytes (206 with a Range header)' })
  async download(@Param('sha256') sha256: string, @Res() response: Response): Promise<void> {
    const { path } = await this.artifacts.locate(sha256);
    await new Promise<void>((resolve, reject) => {
      response.sendFile(
        path,
        {
          acceptRanges: true,
          immutable: true,
          maxAge: '365d',
          headers: { 'content-type': 'application/octet-stream', 'x-content-sha256': sha256 },
        },
        (error: Error | undefined) => {
          if (error === undefined) resolve();
          else reject(error);
        },
      );
    });
  }
}
