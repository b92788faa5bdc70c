import { ApiProperty } from '@nestjs/swagger';

export class NotificationDeliveryDto {
  @ApiProperty({ type: String, format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, example: 'ops-slack', description: 'log, email or a webhook name' })
  channel!: string;
  @ApiProperty({ type: String, enum: ['pending', 'retrying', 'delivered', 'failed'] }) state!: string;
  @ApiProperty({ type: Number }) attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: 'the last error, secrets redacted' })
  lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;
}

export class NotificationDto {
  @ApiProperty({ type: String, format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, example: 'upgrade_failure' }) kind!: string;
  @ApiProperty({ type: String }) title!: string;
  @ApiProperty({ type: String }) text!: string;
  @ApiProperty({ type: String, nullable: true }) componentName!: string | null;
  @ApiProperty({ type: String, nullable: true }) hostname!: string | null;
  @ApiProperty({ type: String, nullable: true }) rolloutId!: string | null;
  @ApiProperty({ type: String, nullable: true }) jobId!: string | null;
  @ApiProperty({ type: String, nullable: true }) version!: string | null;
  @ApiProperty({ type: String }) dedupeKey!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    type: [NotificationDeliveryDto],
    description: 'one per channel; empty when the kind is not in notify_on or notifications are disabled',
  })
  deliveries!: NotificationDeliveryDto[];
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) items!: NotificationDto[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next (older) page' })
  nextCursor!: string | null;
}
