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

/** A flag the new version knows under another name (a `flag_rename` breaking change). */
export interface FlagRename {
  readonly flag: string;
  readonly renamedTo: string;
}

function usesFlag(argv: readonly string[], flag: string): boolean {
  return argv.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
}

/**
 * The unit text with each renamed flag replaced in the `[Service]` section's
 * `ExecStart=` lines (continuations included), `--old` and `--old=value`
 * alike; everything else byte for byte. Checked by reading the result back:
 * the old flags gone, the new ones there.
 * @throws UpkeepError INPUT_INVALID when the unit has no ExecStart or the flag is not found in it.
 */
export function renameFlagsInExecStart(unitText: string, renames: readonly FlagRename[]): string {
  const lines = unitText.split('\n');
  let section = '';
  let continued = false;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header !== null && !continued) {
      section = header[1] ?? '';
      continue;
    }
    const start = continued ? 0 : section === 'Service' ? execStartValueAt(line) : -1;
    if (start >= 0) {
      let rest = line.slice(start);
      for (const { flag, renamedTo } of renames) {
        const pattern = new RegExp(`(^|[\\s"'])${escapeRegExp(flag)}(?=$|[\\s"'=\\\\])`, 'g');
        rest = rest.replace(pattern, (_match, before: string) => `${before}${renamedTo}`);
      }
      lines[i] = line.slice(0, start) + rest;
      continued = trimmed.endsWith('\\') && !trimmed.endsWith('\\\\');
    } else {
      continued = false;
    }
  }
  const result = lines.join('\n');
  const argv = execStartOf(result);
  for (const { flag, renamedTo } of renames) {
    if (argv === null || usesFlag(argv, flag) || !usesFlag(argv, renamedTo)) {
      throw new UpkeepError(
        'INPUT_INVALID',
        `cannot rename ${flag} to ${renamedTo} in the unit's ExecStart`,
        {
          details: { flag, renamedTo },
          hint: `change ${flag} to ${renamedTo} in ExecStart= of the unit file by hand, then run the upgrade again`,
        },
      );
    }
  }
  return result;
}

/** Where the value of an `ExecStart=` line begins, or -1 when the line is not one. */
function execStartValueAt(line: string): number {
  const match = /^\s*ExecStart\s*=/.exec(line);
  return match === null ? -1 : match[0].length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
