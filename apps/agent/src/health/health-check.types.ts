/** One component's `health_check`. */
export type HealthCheckSpec =
  | {
      readonly type: 'http';
      readonly url: string;
      /** Default 200. */
      readonly expectedStatus?: number | undefined;
      /** The body must contain this text. */
      readonly bodyContains?: string | undefined;
    }
  | { readonly type: 'tcp'; readonly host: string; readonly port: number }
  | { readonly type: 'command'; readonly argv: readonly string[] };

export interface HealthTiming {
  /** Per probe (default 5 s). */
  readonly timeoutMs: number;
  /** Failed probes tolerated before giving up (default 10). */
  readonly retries: number;
  /** Between probes (default 1 s). */
  readonly intervalMs: number;
  /** It must stay healthy this long after the first success (default 0). */
  readonly minHealthyMs: number;
}

export const DEFAULT_HEALTH_TIMING: HealthTiming = {
  timeoutMs: 5000,
  retries: 10,
  intervalMs: 1000,
  minHealthyMs: 0,
};

export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** One probe of a service; never throws, says what it saw. */
export type HealthProbe = (timeoutMs: number) => Promise<ProbeResult>;
