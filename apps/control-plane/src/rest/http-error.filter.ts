import { randomUUID } from 'node:crypto';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { isUpkeepError } from '@upkeep/errors';
import { httpStatusOf } from '../common/error-status.ts';

/** The REST error body: `{ error: { code, message, hint?, details?, errorId? } }`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    if (isUpkeepError(exception)) {
      response.status(httpStatusOf(exception.code)).json({ error: exception.toJSON() });
      return;
    }
    if (exception instanceof HttpException) {
      // Nest's own (404 for an unknown route, 413 for a too-large body, …).
      const status = exception.getStatus();
      response.status(status).json({
        error: {
          code: status === 404 ? 'NOT_FOUND' : 'INPUT_INVALID',
          message: exception.message,
          details: {},
        },
      });
      return;
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'unexpected error in the REST API');
    response.status(500).json({
      error: { code: 'INTERNAL', message: `unexpected error, id ${errorId}`, details: {}, errorId },
    });
  }
}
