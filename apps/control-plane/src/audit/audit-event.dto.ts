import { ApiProperty } from '@nestjs/swagger';

export class AuditEventDto {
  @ApiProperty({ type: String, format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: String, enum: ['api_token', 'agent', 'system'] }) actorType!: string;
  @ApiProperty({ type: String, description: 'API token id, host id, or the control-plane part' })
  actorId!: string;
  @ApiProperty({ type: String, example: 'job.created' }) action!: string;
  @ApiProperty({ type: String, example: 'job' }) targetType!: string;
  @ApiProperty({ type: String }) targetId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next (older) page' })
  nextCursor!: string | null;
}
