import { notifyUnauthorized } from './api.ts';
import { apiErrorOf } from './api-error.ts';
import { SseParser, type ServerSentEvent } from './sse-parser.ts';

export interface EventStreamHandlers {
  onEvent(event: ServerSentEvent): void;
  onStatus(status: 'connecting' | 'live' | 'reconnecting', detail?: string): void;
}

/**
 * Follows a server-sent event stream with the session cookie, read with fetch (so an error
 * answer shows its status and message, which EventSource hides); a dropped connection is
 * reopened after `retryMs` until `signal` aborts.
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
      const response = await fetch(path, {
        headers: { accept: 'text/event-stream' },
        credentials: 'same-origin',
        signal,
      });
      if (!response.ok || response.body === null) {
        const body: unknown = await response.json().catch(() => undefined);
        if (response.status === 401) notifyUnauthorized();
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
