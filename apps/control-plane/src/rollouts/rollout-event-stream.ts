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

/** What one read of a watched rollout found: its view as sent (JSON), or null once it is gone. */
type Reading = string | null;

/** One rollout's poll, shared by every stream of this replica open on it. */
interface Watch {
  readonly listeners: Set<(reading: Reading) => void>;
  readonly timer: NodeJS.Timeout;
  polling: boolean;
}

/**
 * `GET /api/rollouts/:id/events`: server-sent events. Postgres is read (any replica's change is seen,
 * nothing to subscribe to in Redis) once per EVENT_POLL_MS per rollout being watched on this replica,
 * however many streams are open on it; each stream sends `event: rollout` when the view changed from
 * what it last sent, `event: gone` when the rollout is gone, and a heartbeat comment when idle.
 */
@Injectable()
export class RolloutEventStream implements BeforeApplicationShutdown {
  private readonly rollouts: RolloutRepository;
  private readonly logger: Logger;
  private readonly open = new Set<() => void>();
  private readonly watches = new Map<string, Watch>();

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
      let lastWrite = Date.now();
      const listener = (reading: Reading): void => {
        if (reading === null) {
          response.write(`event: gone\ndata: ${JSON.stringify({ id })}\n\n`);
          close();
        } else if (reading !== last) {
          last = reading;
          response.write(`event: rollout\ndata: ${reading}\n\n`);
          lastWrite = Date.now();
        } else if (Date.now() - lastWrite >= HEARTBEAT_MS) {
          response.write(': heartbeat\n\n');
          lastWrite = Date.now();
        }
      };
      const close = (): void => {
        if (!this.open.delete(close)) return;
        this.unwatch(id, listener);
        if (!response.writableEnded) response.end();
        resolve();
      };
      this.open.add(close);
      this.watch(id, listener);
      request.on('close', close);
    });
  }

  /** Streams being served right now, and rollouts polled for them (for tests and diagnostics). */
  get counts(): { streams: number; polledRollouts: number } {
    return { streams: this.open.size, polledRollouts: this.watches.size };
  }

  /** Ends every open stream before the HTTP server closes: it waits for open connections. */
  beforeApplicationShutdown(): void {
    for (const close of [...this.open]) close();
  }

  private watch(id: string, listener: (reading: Reading) => void): void {
    const existing = this.watches.get(id);
    if (existing !== undefined) {
      existing.listeners.add(listener);
      return;
    }
    const watch: Watch = {
      listeners: new Set([listener]),
      timer: setInterval(() => {
        this.poll(id, watch);
      }, EVENT_POLL_MS),
      polling: false,
    };
    this.watches.set(id, watch);
  }

  private unwatch(id: string, listener: (reading: Reading) => void): void {
    const watch = this.watches.get(id);
    if (watch === undefined) return;
    watch.listeners.delete(listener);
    if (watch.listeners.size === 0) {
      clearInterval(watch.timer);
      this.watches.delete(id);
    }
  }

  /** One read for every listener; a read still running when the next is due is not doubled. */
  private poll(id: string, watch: Watch): void {
    if (watch.polling) return;
    watch.polling = true;
    this.rollouts
      .find(id)
      .then((view) => {
        const reading = view === null ? null : JSON.stringify(view);
        for (const listener of [...watch.listeners]) listener(reading);
      })
      .catch((error: unknown) => {
        this.logger.warn({ err: error, rolloutId: id }, 'rollout event stream read failed; retrying');
      })
      .finally(() => {
        watch.polling = false;
      });
  }
}
