import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { LOGGER } from '../common/tokens.ts';
import { RolloutRepository } from './rollout.repository.ts';
import type { RolloutView } from './rollout.ts';

/** How often an open stream reads the rollout from Postgres. */
export const EVENT_POLL_MS = 500;
/** A comment line this often keeps proxies from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/rollouts/:id/events`: server-sent events. Each open stream polls Postgres (any replica's
 * change is seen, nothing to subscribe to in Redis) and sends `event: rollout` when the view changed.
 */
@Injectable()
export class RolloutEventStream implements BeforeApplicationShutdown {
  private readonly rollouts: RolloutRepository;
  private readonly logger: Logger;
  private readonly open = new Set<() => void>();

  constructor(@Inject(RolloutRepository) rollouts: RolloutRepository, @Inject(LOGGER) logger: Logger) {
    this.rollouts = rollouts;
    this.logger = logger;
  }

  async stream(id: string, first: RolloutView, request: Request, response: Response): Promise<void> {
    response.status(200);
    response.setHeader('content-type', 'text/event-stream; charset=utf-8');
    response.setHeader('cache-control', 'no-cache, no-transform');
    response.setHeader('connection', 'keep-alive');
    response.setHeader('x-accel-buffering', 'no');
    response.flushHeaders();
    let last = JSON.stringify(first);
    response.write(`event: rollout\ndata: ${last}\n\n`);
    await new Promise<void>((resolve) => {
      let polling = false;
      let lastWrite = Date.now();
      const close = (): void => {
        clearInterval(timer);
        this.open.delete(close);
        if (!response.writableEnded) response.end();
        resolve();
      };
      const timer = setInterval(() => {
        if (polling) return;
        polling = true;
        this.rollouts
          .find(id)
          .then((view) => {
            if (view === null) {
              response.write(`event: gone\ndata: {"id":"${id}"}\n\n`);
              close();
              return;
            }
            const text = JSON.stringify(view);
            if (text !== last) {
              last = text;
              response.write(`event: rollout\ndata: ${text}\n\n`);
              lastWrite = Date.now();
            } else if (Date.now() - lastWrite >= HEARTBEAT_MS) {
              response.write(': heartbeat\n\n');
              lastWrite = Date.now();
            }
          })
          .catch((error: unknown) => {
            this.logger.warn({ err: error, rolloutId: id }, 'rollout event stream read failed; retrying');
          })
          .finally(() => {
            polling = false;
          });
      }, EVENT_POLL_MS);
      this.open.add(close);
      request.on('close', close);
    });
  }

  /** Ends every open stream before the HTTP server closes: it waits for open connections. */
  beforeApplicationShutdown(): void {
    for (const close of [...this.open]) close();
  }
}
