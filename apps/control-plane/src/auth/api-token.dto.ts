import { ApiProperty } from '@nestjs/swagger';

export class CreateApiTokenDto {
  @ApiProperty({ type: String, example: 'ci-pipeline' }) name!: string;
  @ApiProperty({ type: String, enum: ['viewer', 'operator', 'approver', 'admin'] }) role!: string;
  @ApiProperty({
    required: false,
    type: Number,
    nullable: true,
    description: 'days until it expires; null = never',
  })
  ttlDays?: number | null;
}

export class ApiTokenDto {
  @ApiProperty({ type: String, format: 'uuid' }) id!: string;
  @ApiProperty({ type: String }) name!: string;
  @ApiProperty({ type: String, enum: ['viewer', 'operator', 'approver', 'admin'] }) role!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) expiresAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) revokedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class CreatedApiTokenDto extends ApiTokenDto {
  @ApiProperty({ type: String, description: 'the secret; shown only in this response', example: 'upk_api_…' })
  token!: string;
}
