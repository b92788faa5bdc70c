import { ApiProperty } from '@nestjs/swagger';

export class InstalledComponentDto {
  @ApiProperty({ type: String, example: 'node_exporter' }) name!: string;
  @ApiProperty({ type: String, example: '1.8.2' }) version!: string;
  @ApiProperty({ type: String }) binaryPath!: string;
  @ApiProperty({ type: String, description: 'hex sha256 of the installed binary' }) sha256!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) installedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) reportedAt!: string;
}

export class HostDto {
  @ApiProperty({ type: String, format: 'uuid' }) id!: string;
  @ApiProperty({ type: String }) hostname!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { env: 'prod' } })
  labels!: Record<string, string>;
  @ApiProperty({ type: [String] }) groups!: string[];
  @ApiProperty({ type: String, example: 'linux' }) os!: string;
  @ApiProperty({ type: String, example: 'amd64' }) arch!: string;
  @ApiProperty({ type: String }) agentVersion!: string;
  @ApiProperty({ type: String, enum: ['active', 'revoked'] }) status!: string;
  @ApiProperty({ type: String, format: 'date-time' }) enrolledAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastSeenAt!: string | null;
  @ApiProperty({ type: [InstalledComponentDto], required: false, description: 'in the detail view only' })
  installed?: InstalledComponentDto[];
}

export class HostPageDto {
  @ApiProperty({ type: [HostDto] }) items!: HostDto[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next page' })
  nextCursor!: string | null;
}
