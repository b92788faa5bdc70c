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
