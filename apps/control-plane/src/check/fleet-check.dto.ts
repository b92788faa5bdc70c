import { ApiProperty } from '@nestjs/swagger';

export class FleetDecisionDto {
  @ApiProperty({ type: String, enum: ['skip', 'reject', 'auto_approve', 'recommend', 'manual_approval'] })
  action!: string;
  @ApiProperty({ type: Boolean }) approved!: boolean;
  @ApiProperty({ type: String, enum: ['low', 'medium', 'high', 'critical'] }) riskLevel!: string;
  @ApiProperty({ type: Boolean }) requiresManual!: boolean;
  @ApiProperty({ type: Boolean, description: 'the move fixes an advisory affecting the current version' })
  securityFix!: boolean;
  @ApiProperty({ type: [String] }) warnings!: string[];
  @ApiProperty({ type: [String], description: 'names of the safety checks that did not pass' })
  failedChecks!: string[];
}

export class FleetCheckRowDto {
  @ApiProperty({ type: String, format: 'uuid' }) hostId!: string;
  @ApiProperty({ type: String }) hostname!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "the host's `env` label: the versions.yaml environment overlay used",
  })
  environment!: string | null;
  @ApiProperty({ type: String, example: 'node_exporter' }) component!: string;
  @ApiProperty({ type: String, example: '1.7.0' }) currentVersion!: string;
  @ApiProperty({ type: String, nullable: true, example: '1.8.2' }) targetVersion!: string | null;
  @ApiProperty({ type: String, enum: ['up-to-date', 'upgrade', 'blocked', 'unmanaged', 'unresolved'] })
  status!: string;
  @ApiProperty({ type: FleetDecisionDto, nullable: true }) decision!: FleetDecisionDto | null;
  @ApiProperty({ type: String, nullable: true, description: 'why a row is unresolved or unmanaged' })
  message!: string | null;
}
