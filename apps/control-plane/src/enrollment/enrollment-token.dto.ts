import { ApiProperty } from '@nestjs/swagger';

export class CreateEnrollmentTokenDto {
  @ApiProperty({ type: String, required: false, default: '' }) description?: string;
  @ApiProperty({
    required: false,
    type: Object,
    additionalProperties: { type: 'string' },
    description: 'labels every host enrolled with this token gets',
  })
  labels?: Record<string, string>;
  @ApiProperty({ required: false, type: [String] }) groups?: string[];
  @ApiProperty({ type: Boolean, required: false, default: true }) singleUse?: boolean;
  @ApiProperty({ type: Number, required: false, default: 86_400, minimum: 60, maximum: 2_592_000 })
  ttlSeconds?: number;
}

export class EnrollmentTokenDto {
  @ApiProperty({ type: String, format: 'uuid' }) id!: string;
  @ApiProperty({ type: String }) description!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ type: [String] }) groups!: string[];
  @ApiProperty({ type: Boolean }) singleUse!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: Number }) useCount!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) revokedAt!: string | null;
  @ApiProperty({ type: String }) createdBy!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class CreatedEnrollmentTokenDto extends EnrollmentTokenDto {
  @ApiProperty({
    type: String,
    description: 'the secret (256 bits); shown only in this response',
    example: 'upk_enroll_…',
  })
  token!: string;
}
