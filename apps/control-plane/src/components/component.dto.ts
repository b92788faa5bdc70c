import { ApiProperty } from '@nestjs/swagger';

export class ReleaseDto {
  @ApiProperty({ type: String, example: '1.8.2' }) version!: string;
  @ApiProperty({ type: String, example: 'v1.8.2' }) tag!: string;
  @ApiProperty({ type: Boolean }) prerelease!: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) publishedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) notesUrl!: string | null;
}

export class ComponentSourceDto {
  @ApiProperty({ type: String, example: 'github' }) kind!: string;
  @ApiProperty({ type: Number }) priority!: number;
}

export class ComponentDto {
  @ApiProperty({ type: String, example: 'node_exporter' }) name!: string;
  @ApiProperty({ type: String }) description!: string;
  @ApiProperty({ type: [ComponentSourceDto] }) sources!: ComponentSourceDto[];
  @ApiProperty({ type: ReleaseDto, nullable: true }) latest!: ReleaseDto | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'hosts per installed version',
  })
  installed!: Record<string, number>;
}

export class EnvironmentTargetDto {
  @ApiProperty({ type: String, nullable: true, description: 'null: the base policy without overlay' })
  environment!: string | null;
  @ApiProperty({ type: String, nullable: true }) version!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'why nothing resolved' }) message!: string | null;
}

export class AdvisoryDto {
  @ApiProperty({ type: String }) id!: string;
  @ApiProperty({ type: String }) severity!: string;
  @ApiProperty({ type: String }) summary!: string;
  @ApiProperty({ type: String, nullable: true }) fixedIn!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) publishedAt!: string | null;
}

export class BreakingChangeDto {
  @ApiProperty({ type: String }) version!: string;
  @ApiProperty({ type: String }) description!: string;
  @ApiProperty({ type: String, nullable: true }) migrationNotes!: string | null;
}

export class ComponentOverviewDto {
  @ApiProperty({ type: String }) name!: string;
  @ApiProperty({ type: Boolean, description: "in the control plane's versions.yaml" }) managed!: boolean;
  @ApiProperty({ type: [ReleaseDto] }) releases!: ReleaseDto[];
  @ApiProperty({ type: [EnvironmentTargetDto] }) environments!: EnvironmentTargetDto[];
  @ApiProperty({ type: [AdvisoryDto] }) advisories!: AdvisoryDto[];
  @ApiProperty({ type: [BreakingChangeDto] }) breakingChanges!: BreakingChangeDto[];
}
