import { UpkeepError } from '@upkeep/errors';

/**
 * Splits a command line into arguments as a POSIX shell or systemd's
 * `ExecStart=` would: whitespace separates, single quotes are literal, double
 * quotes allow `\"` and `\\`, a backslash outside quotes escapes the next
 * character, and a backslash-newline continues the line. No expansion happens.
 * @throws UpkeepError INPUT_INVALID for an unterminated quote.
 */
export function splitCommandLine(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) current += text.charAt(++i);
      else current += ch;
      continue;
    }
    if (ch === '\\') {
      const next = text[i + 1];
      i++;
      if (next === '\n') continue;
      if (next !== undefined) {
        current += next;
        inArg = true;
      }
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
      `command line has an unterminated ${quote} quote: ${JSON.stringify(text.slice(0, 200))}`,
      {
        details: { value: text.slice(0, 200) },
        hint: 'close the quote, or escape it with a backslash',
      },
    );
  }
  if (inArg) args.push(current);
  return args;
}
