import { UpkeepError } from '@upkeep/errors';

/** What `--installed` and `<current>` accept for "not installed". */
export const NOT_INSTALLED = new Set(['none', '-', '']);

/** `--installed NAME=VERSION` options as a map. */
export function parseInstalled(pairs: readonly string[]): Record<string, string> {
  const installed: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z0-9_.-]+)=(\S+)$/.exec(pair);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new UpkeepError('USAGE', `--installed ${JSON.stringify(pair)} is not NAME=VERSION`, {
        hint: 'write --installed prometheus=2.45.0 (repeat the option for each component)',
      });
    }
    installed[match[1]] = match[2];
  }
  return installed;
}

/** `--now ISO-TIME`, else the clock. */
export function parseNow(text: string | undefined, fallback: () => Date): Date {
  if (text === undefined) return fallback();
  const date = new Date(text);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new UpkeepError('USAGE', `--now ${JSON.stringify(text)} is not an ISO 8601 time`, {
      hint: 'write --now 2026-11-22T03:00:00Z',
    });
  }
  return date;
}
