import type { RecordedRequest } from './model.ts';

type RequestFilter = string | RegExp | ((request: RecordedRequest) => boolean);

function matches(filter: RequestFilter | undefined, request: RecordedRequest): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return request.path.startsWith(filter);
  if (filter instanceof RegExp) return filter.test(request.path);
  return filter(request);
}

/** Every request the upstream received, in arrival order. */
export class RequestLog {
  readonly #entries: RecordedRequest[] = [];

  record(entry: RecordedRequest): RecordedRequest {
    this.#entries.push(entry);
    return entry;
  }

  /** A copy of the entries, optionally filtered (path prefix, RegExp on the path, or predicate). */
  list(filter?: RequestFilter): RecordedRequest[] {
    return this.#entries.filter((r) => matches(filter, r));
  }

  /** How many requests matched (path prefix, RegExp on the path, or predicate). */
  count(filter?: RequestFilter): number {
    return this.list(filter).length;
  }

  /** Request counts keyed by `METHOD path`. */
  byPath(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.#entries) {
      const key = `${r.method} ${r.path}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  /** Forgets everything recorded so far (between phases of a test). */
  clear(): void {
    this.#entries.length = 0;
  }
}
