import { ApiProperty } from '@nestjs/swagger';

export class ArtifactDto {
  @ApiProperty({
    type: String,
    description: 'where the agent downloads it (the control plane artifact cache)',
  })
  url!: string;
  @ApiProperty({ type: String, description: 'lower-case hex sha256 the agent verifies' }) sha256!: string;
}

export class CreateJobDto {
  @ApiProperty({ type: String, format: 'uuid' }) hostId!: string;
  @ApiProperty({ type: String, enum: ['upgrade', 'rollback', 'cleanup'] }) kind!: string;
  @ApiProperty({ type: String, example: 'node_exporter' }) component!: string;
  @ApiProperty({ required: false, type: String, nullable: true, example: '1.8.2' }) targetVersion?:
    string | null;
  @ApiProperty({
    required: false,
    type: ArtifactDto,
    nullable: true,
    description:
      'omit for an upgrade of a versions.yaml component: the control plane fetches the release asset for the host, verifies it against the published sha256 and serves it from its artifact cache',
  })
  artifact?: ArtifactDto | null;
  @ApiProperty({ type: Number, required: false, description: 'validity of the signed assignment' })
  ttlSeconds?: number;
}

export class JobStepDto {
  @ApiProperty({ type: Number }) index!: number;
  @ApiProperty({ type: String }) name!: string;
  @ApiProperty({ type: String, enum: ['started', 'succeeded', 'failed', 'skipped'] }) status!: string;
  @ApiProperty({ type: String }) message!: string;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt!: string;
}

export class JobDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    description: 'the operation id; also the agent-side idempotency key',
  })
  id!: string;
  @ApiProperty({ type: String, format: 'uuid' }) hostId!: string;
  @ApiProperty({ type: String, enum: ['upgrade', 'rollback', 'cleanup'] }) kind!: string;
  @ApiProperty({ type: String }) component!: string;
  @ApiProperty({ type: String, nullable: true }) targetVersion!: string | null;
  @ApiProperty({ type: ArtifactDto, nullable: true }) artifact!: ArtifactDto | null;
  @ApiProperty({
    type: String,
    enum: ['pending', 'delivered', 'running', 'succeeded', 'failed', 'refused', 'expired', 'cancelled'],
  })
  state!: string;
  @ApiProperty({ type: Number, description: 'per-host assignment sequence number' }) sequence!: number;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: Number }) deliveryCount!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) result!: unknown;
  @ApiProperty({ type: String }) createdBy!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) deliveredAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ type: [JobStepDto], required: false, description: 'in the detail view only' })
  steps?: JobStepDto[];
}

export class JobPageDto {
  @ApiProperty({ type: [JobDto] }) items!: JobDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
