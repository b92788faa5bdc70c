/**
 * Text from upstream made safe to print in a message: non-printable and non-ASCII
 * characters escaped (terminal escapes, bidi overrides), cut to `max` characters, quoted.
 */
export function shown(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  let out = '';
  for (const ch of cut) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if ((code >= 0x20 && code < 0x7f) || ch === '…') out += ch;
    else out += `\\u{${code.toString(16)}}`;
  }
  return `"${out}"`;
}
