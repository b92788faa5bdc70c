import { UpkeepError } from '@upkeep/errors';

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

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  ' ': ' ',
  s: ' ',
};

/** Splits a command line into words the way systemd does: quotes, C escapes, no shell. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line.charAt(i);
    if (ch === '\\' && i + 1 < line.length) {
      const next = line.charAt(i + 1);
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
        word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        word += ESCAPES[next] ?? next;
        i += 1;
      }
      inWord = true;
      continue;
    }
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    word += ch;
    inWord = true;
  }
  if (quote !== null) {
    throw new UpkeepError(
      'INPUT_INVALID',
      `unbalanced ${quote} quote in command line: ${line.slice(0, 200)}`,
      {
        hint: 'fix the quoting of ExecStart= in the unit file',
      },
    );
  }
  if (inWord) words.push(word);
  return words;
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
  const words = splitCommandLine(current);
  const [first, ...rest] = words;
  if (first === undefined) return null;
  const prefix = /^[-@:+!]*/.exec(first)?.[0] ?? '';
  const executable = first.slice(prefix.length);
  // With `@`, the second word is only argv[0] for the process, not an argument.
  const args = prefix.includes('@') ? rest.slice(1) : rest;
  return [executable, ...args];
}
