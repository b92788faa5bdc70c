import { UpkeepError } from '@upkeep/errors';

/** One problem in a config or lock file, located when the file says where. */
export interface ConfigIssue {
  /** Dotted path to the key (`components.node_exporter.strategy`), `` for the whole file. */
  readonly path: string;
  /** What is wrong, naming the bad value and what is allowed. */
  readonly message: string;
  /** 1-based, when known. */
  readonly line?: number;
  readonly column?: number;
}

export type PathSegment = string | number;

/** `components.node_exporter.download`, with list indexes as `[0]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** `versions.yaml:12:5 components.x.strategy: "newest" is not one of ...` */
export function formatIssue(sourceName: string, issue: ConfigIssue): string {
  const where =
    issue.line === undefined
      ? sourceName
      : `${sourceName}:${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}`;
  return issue.path === '' ? `${where} ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
}

/** Most issues listed in the error message; all of them stay in `details.issues`. */
const MAX_ISSUES_IN_MESSAGE = 50;

/** The CONFIG_INVALID error for a file, carrying every issue. */
export function configInvalidError(
  sourceName: string,
  issues: readonly ConfigIssue[],
  hint = 'fix each listed key; `upkeep config validate` re-checks the file',
): UpkeepError {
  const sorted = [...issues].sort(
    (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
  );
  const shown = sorted.slice(0, MAX_ISSUES_IN_MESSAGE).map((issue) => `  ${formatIssue(sourceName, issue)}`);
  if (sorted.length > MAX_ISSUES_IN_MESSAGE) {
    shown.push(`  ... and ${sorted.length - MAX_ISSUES_IN_MESSAGE} more (see details.issues)`);
  }
  const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
  return new UpkeepError('CONFIG_INVALID', `${sourceName} is not valid (${count}):\n${shown.join('\n')}`, {
    details: { source: sourceName, issues: sorted },
    hint,
  });
}

/** A value as an operator would recognise it in a message, shortened when long. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** `a string`, `a number`... for "expected X" messages. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}
