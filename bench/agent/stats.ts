/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `values` as `min / median / max`, rounded, for one line of the report. */
export function spread(values: readonly number[], digits = 0): string {
  const fmt = (n: number): string => n.toFixed(digits);
  return `${fmt(Math.min(...values))} / ${fmt(median(values))} / ${fmt(Math.max(...values))}`;
}

/** This process's peak resident set (VmHWM) in MiB, from /proc. */
export function peakRssMiB(status: string): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error('VmHWM not found in /proc/self/status');
  return Number(match[1]) / 1024;
}
