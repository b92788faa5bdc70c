import { apiErrorOf } from './api-error.ts';
import { session } from './session.ts';
import { SseParser, type ServerSentEvent } from './sse-parser.ts';

export interface EventStreamHandlers {
  onEvent(event: ServerSentEvent): void;
  onStatus(status: 'connecting' | 'live' | 'reconnecting', detail?: string): void;
}

/**
 * Follows a server-sent event stream with the session's API token. EventSource cannot
 * send an Authorization header, so this reads the stream with fetch; a dropped
 * connection is reopened after `retryMs` until `signal` aborts.
 */
// A function, so the check after an await is not narrowed away by the loop condition.
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

export async function followEventStream(
  path: string,
  handlers: EventStreamHandlers,
  signal: AbortSignal,
  retryMs = 2000,
): Promise<void> {
  while (!signal.aborted) {
    handlers.onStatus('connecting');
    try {
      const token = session.token();
      const response = await fetch(path, {
        headers: {
          accept: 'text/event-stream',
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        },
        signal,
      });
      if (!response.ok || response.body === null) {
        const body: unknown = await response.json().catch(() => undefined);
        throw apiErrorOf(response.status, body);
      }
      handlers.onStatus('live');
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.feed(value)) handlers.onEvent(event);
      }
      handlers.onStatus('reconnecting', 'the server closed the stream');
    } catch (error) {
      if (isAborted(signal)) return;
      handlers.onStatus('reconnecting', error instanceof Error ? error.message : String(error));
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
