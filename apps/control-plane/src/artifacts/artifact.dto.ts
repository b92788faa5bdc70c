import { ApiProperty } from '@nestjs/swagger';

export class StoredArtifactDto {
  @ApiProperty({ type: String, description: 'lower-case hex sha256' }) sha256!: string;
  @ApiProperty({ type: Number }) size!: number;
  @ApiProperty({
    type: String,
    description: 'path agents download it from (with their credential)',
    example: '/artifacts/sha256/…',
  })
  url!: string;
}
