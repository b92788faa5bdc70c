const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
};

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Longest duration accepted: ten years. Anything longer is a typo. */
export const MAX_DURATION_SECONDS = 10 * 365 * 86_400;

export type DurationResult =
  { readonly ok: true; readonly seconds: number } | { readonly ok: false; readonly reason: string };

/**
 * Reads a duration as the config writes it: a number of seconds (`900`) or a
 * string with units (`90s`, `15m`, `72h`, `7d`, `2w`, `1h30m`, `500ms`). Returns seconds.
 */
export function parseDuration(value: unknown): DurationResult {
  let seconds: number;
  if (typeof value === 'number') {
    seconds = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+(?:\.\d+)?$/.test(text)) {
      seconds = Number(text);
    } else if (text.length <= 64 && DURATION.test(text)) {
      seconds = 0;
      for (const match of text.matchAll(PART)) {
        seconds += Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
      }
    } else {
      return {
        ok: false,
        reason: `${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)} is not a duration; write seconds (900) or a number with a unit: 90s, 15m, 72h, 7d`,
      };
    }
  } else {
    return {
      ok: false,
      reason: 'expected a duration: seconds (900) or a string such as "90s", "15m", "72h", "7d"',
    };
  }
  if (!Number.isFinite(seconds) || seconds < 0) {
    return { ok: false, reason: `${String(value)} is not a duration: it must be zero or more seconds` };
  }
  if (seconds > MAX_DURATION_SECONDS) {
    return { ok: false, reason: `${String(value)} is longer than ten years; check the unit` };
  }
  // Sums of fractional units must not print as 5399.999999.
  return { ok: true, seconds: Math.round(seconds * 1000) / 1000 };
}
