import { randomUUID } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Catch, Inject, Injectable, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import { isUpkeepError } from '@upkeep/errors';
import { LOGGER } from '../common/tokens.ts';
import { grpcStatusOf } from '../common/error-status.ts';

interface GrpcError {
  code: number;
  message: string;
}

/** Turns whatever a gateway handler throws into a gRPC status the agent can act on. */
@Catch()
@Injectable()
export class GrpcExceptionFilter implements RpcExceptionFilter {
  private readonly logger: Logger;

  constructor(@Inject(LOGGER) logger: Logger) {
    this.logger = logger;
  }

  catch(exception: unknown): Observable<never> {
    return throwError(() => this.toGrpcError(exception));
  }

  private toGrpcError(exception: unknown): GrpcError {
    if (isUpkeepError(exception)) {
      const hint = exception.hint === undefined ? '' : ` (${exception.hint})`;
      return {
        code: grpcStatusOf(exception.code),
        message: `${exception.code}: ${exception.message}${hint}`,
      };
    }
    if (exception instanceof RpcException) {
      const error = exception.getError();
      if (typeof error === 'object' && 'code' in error && typeof error.code === 'number') {
        return { code: error.code, message: exception.message };
      }
    }
    // Unexpected: the error id ties the agent's message to the full log line.
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'unexpected error in the agent gateway');
    return { code: GrpcStatus.INTERNAL, message: `INTERNAL: unexpected error, id ${errorId}` };
  }
}
