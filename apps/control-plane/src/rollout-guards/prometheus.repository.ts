import { UpkeepError } from '@upkeep/errors';

/** One series of a query result: its labels and its samples, oldest first. */
export interface PrometheusSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly { readonly at: Date; readonly value: number }[];
}

/** The fleet's Prometheus, through its HTTP API (instant and range queries). */
export interface PrometheusPort {
  instantQuery(query: string, at: Date): Promise<PrometheusSeries[]>;
  rangeQuery(query: string, start: Date, end: Date, stepSeconds: number): Promise<PrometheusSeries[]>;
}

interface ApiAnswer {
  status?: unknown;
  error?: unknown;
  errorType?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

type RawSample = [number, string];

function isSample(value: unknown): value is RawSample {
  return Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string';
}

function sampleOf([seconds, text]: RawSample): { at: Date; value: number } {
  return { at: new Date(Math.round(seconds * 1000)), value: Number(text) };
}

/** Turns a vector, matrix or scalar answer into series. */
function seriesOf(data: ApiAnswer['data']): PrometheusSeries[] {
  const result = data?.result;
  switch (data?.resultType) {
    case 'scalar':
      return isSample(result) ? [{ labels: {}, samples: [sampleOf(result)] }] : [];
    case 'vector':
    case 'matrix': {
      if (!Array.isArray(result)) return [];
      return result.map((entry: { metric?: Record<string, string>; value?: unknown; values?: unknown }) => {
        const samples = Array.isArray(entry.values)
          ? entry.values.filter(isSample).map(sampleOf)
          : isSample(entry.value)
            ? [sampleOf(entry.value)]
            : [];
        return { labels: entry.metric ?? {}, samples };
      });
    }
    default:
      throw new UpkeepError(
        'UPSTREAM_INVALID_RESPONSE',
        `Prometheus answered a ${String(data?.resultType)} result`,
      );
  }
}

/**
 * The HTTP client of the fleet's Prometheus. Every query is bounded: Prometheus is told the
 * timeout (`timeout=`) and the request is aborted shortly after it.
 */
export class PrometheusRepository implements PrometheusPort {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, timeoutMs: number) {
    this.baseUrl = baseUrl;
    this.timeoutMs = timeoutMs;
  }

  async instantQuery(query: string, at: Date): Promise<PrometheusSeries[]> {
    return this.ask('/api/v1/query', { query, time: (at.getTime() / 1000).toFixed(3) });
  }

  async rangeQuery(query: string, start: Date, end: Date, stepSeconds: number): Promise<PrometheusSeries[]> {
    return this.ask('/api/v1/query_range', {
      query,
      start: (start.getTime() / 1000).toFixed(3),
      end: (end.getTime() / 1000).toFixed(3),
      step: String(stepSeconds),
    });
  }

  private async ask(path: string, parameters: Record<string, string>): Promise<PrometheusSeries[]> {
    const body = new URLSearchParams({
      ...parameters,
      timeout: `${String(Math.max(1, Math.floor(this.timeoutMs / 1000)))}s`,
    });
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs + 1000),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      throw new UpkeepError(
        'UPSTREAM_UNREACHABLE',
        timedOut
          ? `Prometheus at ${this.baseUrl} did not answer within ${String(this.timeoutMs + 1000)} ms`
          : `Prometheus at ${this.baseUrl} cannot be reached (${cause instanceof Error ? cause.message : String(cause)})`,
        { cause },
      );
    }
    let answer: ApiAnswer;
    try {
      answer = (await response.json()) as ApiAnswer;
    } catch (cause) {
      throw new UpkeepError(
        'UPSTREAM_INVALID_RESPONSE',
        `Prometheus answered HTTP ${String(response.status)} without a JSON body`,
        { cause },
      );
    }
    if (answer.status !== 'success') {
      throw new UpkeepError(
        'UPSTREAM_INVALID_RESPONSE',
        `Prometheus refused the query (HTTP ${String(response.status)}, ${String(answer.errorType)}): ${String(answer.error)}`,
      );
    }
    return seriesOf(answer.data);
  }
}
