import { ApiProperty } from '@nestjs/swagger';

const KINDS = ['off_approved', 'advisory', 'rolled_back'];

export class DriftAdvisoryDto {
  @ApiProperty({ type: String, example: 'GHSA-xxxx-xxxx-xxxx' }) id!: string;
  @ApiProperty({ type: String, example: 'high' }) severity!: string;
  @ApiProperty({ type: String }) summary!: string;
  @ApiProperty({ type: String, nullable: true }) fixedIn!: string | null;
}

export class DriftRollbackDto {
  @ApiProperty({ type: String, format: 'uuid' }) jobId!: string;
  @ApiProperty({ type: String, nullable: true, description: 'the version the rolled-back upgrade aimed at' })
  targetVersion!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: String }) message!: string;
}

export class DriftRowDto {
  @ApiProperty({ type: String, format: 'uuid' }) hostId!: string;
  @ApiProperty({ type: String }) hostname!: string;
  @ApiProperty({ type: [String] }) groups!: string[];
  @ApiProperty({ type: String, nullable: true, description: "the host's `env` label" })
  environment!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSeenAt!: string | null;
  @ApiProperty({ type: String }) component!: string;
  @ApiProperty({ type: String }) currentVersion!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "what versions.yaml resolves to for the host's environment",
  })
  approvedVersion!: string | null;
  @ApiProperty({ type: String, enum: ['up-to-date', 'upgrade', 'blocked', 'unmanaged', 'unresolved'] })
  status!: string;
  @ApiProperty({
    type: String,
    enum: KINDS,
    isArray: true,
    description:
      'off_approved: not the approved version; advisory: a known advisory affects it; rolled_back: the last upgrade was rolled back and the host is stuck',
  })
  drift!: string[];
  @ApiProperty({ type: [DriftAdvisoryDto] }) advisories!: DriftAdvisoryDto[];
  @ApiProperty({ type: DriftRollbackDto, nullable: true }) rollback!: DriftRollbackDto | null;
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
}

export class DriftCountsDto {
  @ApiProperty({ type: Number }) off_approved!: number;
  @ApiProperty({ type: Number }) advisory!: number;
  @ApiProperty({ type: Number }) rolled_back!: number;
}

export class DriftReportDto {
  @ApiProperty({ type: String, format: 'date-time' }) generatedAt!: string;
  @ApiProperty({ type: Number, description: 'active hosts with components that match the filter' })
  hosts!: number;
  @ApiProperty({ type: DriftCountsDto }) counts!: DriftCountsDto;
  @ApiProperty({ type: [DriftRowDto] }) rows!: DriftRowDto[];
}
