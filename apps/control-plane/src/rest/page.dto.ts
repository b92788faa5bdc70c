import { ApiProperty } from '@nestjs/swagger';

export class ErrorBodyDto {
  @ApiProperty({ type: String, example: 'INPUT_INVALID' }) code!: string;
  @ApiProperty({ type: String }) message!: string;
  @ApiProperty({ type: String, required: false }) hint?: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorBodyDto }) error!: ErrorBodyDto;
}
