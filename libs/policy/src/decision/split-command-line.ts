import { UpkeepError } from '@upkeep/errors';

/** systemd's C escapes; any other escaped character stands for itself. */
const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  s: ' ',
};

/**
 * Splits a command line into arguments as systemd's `ExecStart=` does (and, for
 * ordinary lines, a POSIX shell): whitespace separates, quotes group, a backslash
 * escapes the next character in or out of quotes, with C escapes (`\n`, `\t`, `\s`,
 * `\xHH`), and a backslash-newline continues the line. No expansion happens.
 * @throws UpkeepError INPUT_INVALID for an unterminated (unbalanced) quote.
 */
export function splitCommandLine(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '\\' && i + 1 < text.length) {
      const next = text.charAt(i + 1);
      if (next === '\n') {
        i += 1;
        continue;
      }
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
        current += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        current += ESCAPES[next] ?? next;
        i += 1;
      }
      inArg = true;
      continue;
    }
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inArg = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
      continue;
    }
    current += ch;
    inArg = true;
  }
  if (quote !== undefined) {
    throw new UpkeepError(
      'INPUT_INVALID',
      `command line has an unterminated ${quote} quote (unbalanced quoting): ${JSON.stringify(text.slice(0, 200))}`,
      {
        details: { value: text.slice(0, 200) },
        hint: 'close the quote, or escape it with a backslash',
      },
    );
  }
  if (inArg) args.push(current);
  return args;
}
