import { ApiProperty } from '@nestjs/swagger';

export class AuditEventDto {
  @ApiProperty({ type: String, format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: String, enum: ['api_token', 'agent', 'system'] }) actorType!: string;
  @ApiProperty({ type: String, description: 'API token id, host id, or the control-plane part' })
  actorId!: string;
  @ApiProperty({ type: String, nullable: true, description: "the API token's name or the agent's hostname" })
  actorName!: string | null;
  @ApiProperty({ type: String, example: 'job.created' }) action!: string;
  @ApiProperty({ type: String, example: 'job' }) targetType!: string;
  @ApiProperty({ type: String }) targetId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'node_exporter', description: 'subject: component' })
  component!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'subject: host' })
  hostId!: string | null;
  @ApiProperty({ type: [String], description: "subject: the host's groups when the event happened" })
  hostGroups!: string[];
  @ApiProperty({ type: String, nullable: true, example: '1.8.2', description: 'subject: version' })
  version!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'succeeded',
    description:
      'subject: outcome (succeeded, failed, refused, expired, rolled_back; a step: started, skipped)',
  })
  outcome!: string | null;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next (older) page' })
  nextCursor!: string | null;
}

export class UpgradeApproverDto {
  @ApiProperty({ type: String }) actorType!: string;
  @ApiProperty({ type: String }) actorId!: string;
  @ApiProperty({ type: String, nullable: true, description: "the API token's name" }) actorName!:
    string | null;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty({ type: Number, nullable: true }) wave!: number | null;
}

export class UpgradeIntervalDto {
  @ApiProperty({ type: String, format: 'uuid' }) hostId!: string;
  @ApiProperty({ type: String, nullable: true }) hostname!: string | null;
  @ApiProperty({ type: String, example: 'node_exporter' }) component!: string;
  @ApiProperty({ type: String, example: '1.6.0' }) version!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'first seen installed' })
  installedAt!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'replaced by another version (or removed); null while installed',
  })
  replacedAt!: string | null;
  @ApiProperty({ type: String, enum: ['job.succeeded', 'job.rolled_back', 'host.inventory_changed'] })
  via!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) jobId!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['upgrade', 'rollback', 'cleanup'] })
  jobKind!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'who created the job (API token id)' })
  jobCreatedBy!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) rolloutId!: string | null;
  @ApiProperty({
    type: [UpgradeApproverDto],
    description: "the rollout's approvals (rollout.approved events)",
  })
  approvers!: UpgradeApproverDto[];
}

export class UpgradeHistoryDto {
  @ApiProperty({ type: [UpgradeIntervalDto] }) items!: UpgradeIntervalDto[];
  @ApiProperty({ type: Boolean, description: 'more intervals matched than `limit`' }) truncated!: boolean;
}
