import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { splitCommandLine } from '@upkeep/policy';

/** Joins continuation lines (a trailing `\`) and drops comments, as systemd reads a unit. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const trimmed = raw.trim();
    if (pending !== null && (trimmed.startsWith('#') || trimmed.startsWith(';'))) continue;
    if (pending === null && (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';'))) continue;
    const continued = trimmed.endsWith('\\') && !trimmed.endsWith('\\\\');
    const body = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending === null ? body : `${pending} ${body}`;
    if (!continued) {
      lines.push(pending);
      pending = null;
    }
  }
  if (pending !== null) lines.push(pending);
  return lines;
}

/**
 * The command line of a unit's service: the effective `ExecStart=` of its
 * `[Service]` section (an empty assignment resets earlier ones; the last one
 * wins), split into argv with systemd's prefixes (`-@:+!`) removed. Null when
 * the unit has no ExecStart.
 */
export function execStartOf(unitText: string): string[] | null {
  let section = '';
  let current: string | null = null;
  for (const line of logicalLines(unitText)) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1] ?? '';
      continue;
    }
    if (section !== 'Service') continue;
    const match = /^ExecStart\s*=\s*(.*)$/.exec(line);
    if (match === null) continue;
    const value = (match[1] ?? '').trim();
    current = value === '' ? null : value;
  }
  if (current === null) return null;
  let words: string[];
  try {
    words = splitCommandLine(current);
  } catch (error) {
    if (!isUpkeepError(error)) throw error;
    throw new UpkeepError(error.code, error.message, {
      details: error.details,
      hint: 'fix the quoting of ExecStart= in the unit file',
      cause: error,
    });
  }
  const [first, ...rest] = words;
  if (first === undefined) return null;
  const prefix = /^[-@:+!]*/.exec(first)?.[0] ?? '';
  const executable = first.slice(prefix.length);
  // With `@`, the second word is only argv[0] for the process, not an argument.
  const args = prefix.includes('@') ? rest.slice(1) : rest;
  return [executable, ...args];
}
