const FLAG = /(?<![\w-])--[A-Za-z0-9][A-Za-z0-9._-]*/g;

/** The `--flags` a text mentions, in order, without trailing punctuation. */
export function flagsIn(text: string): string[] {
  return [...text.matchAll(FLAG)].map((m) => m[0].replace(/[.-]+$/, ''));
}

/** `collector.diskstats` and `--collector.diskstats` name the same flag. */
export function normalizeFlag(flag: string): string {
  const trimmed = flag.trim();
  return trimmed.startsWith('--') ? trimmed : `--${trimmed.replace(/^-/, '')}`;
}

/**
 * The argument through which a command line uses `flag`, or undefined. Only the
 * exact flag or `flag=value` count: `--collector.diskstats.ignored-devices` does
 * not use `--collector.diskstats`.
 */
export function findFlagUse(args: readonly string[], flag: string): string | undefined {
  const wanted = normalizeFlag(flag);
  return args.find((arg) => arg === wanted || arg.startsWith(`${wanted}=`));
}
