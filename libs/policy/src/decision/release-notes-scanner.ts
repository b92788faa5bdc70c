/** The most lines kept from one release's notes: enough to read, bounded against huge bodies. */
const MAX_LINES_PER_RELEASE = 25;
const MAX_LINE_LENGTH = 300;
const MAX_BODY_LENGTH = 200_000;

const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const BOLD_TITLE = /^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$/;
// A short line ending in a colon, optionally after a warning sign: `Breaking changes:`, `⚠ BREAKING:`.
const COLON_TITLE = /^\s*(?:\u26A0\uFE0F?\s*)?([A-Za-z][A-Za-z !-]{0,40}):\s*$/u;
const LIST_MARKER = /^\s*(?:[-*+]|\d+[.)])\s+/;
const NEGATED = /\b(?:no|non|not a|without)[\s-]+breaking\b/i;

function isBreakingTitle(title: string): boolean {
  return /\bbreaking\b/i.test(title) && !NEGATED.test(title);
}

/** Prometheus writes `[CHANGE]` for changes that can break; others write BREAKING in capitals. */
function hasBreakingMarker(line: string): boolean {
  if (NEGATED.test(line)) return false;
  return /\[CHANGE\]/.test(line) || /\bBREAKING\b/.test(line) || /\bbreaking change/i.test(line);
}

function clean(line: string): string {
  const text = line.replace(LIST_MARKER, '').trim();
  return text.length > MAX_LINE_LENGTH ? `${text.slice(0, MAX_LINE_LENGTH - 1)}…` : text;
}

/**
 * The lines of one release's notes that announce a breaking change: lines with
 * `BREAKING` (in capitals), `[CHANGE]` (Prometheus' changelog tag) or "breaking
 * change", and every line of a section whose heading says "breaking" (Markdown
 * `#` headings, bold lines, `Breaking changes:`). "No breaking changes" does not
 * count. At most 25 lines per release, duplicates once.
 */
export function findBreakingNotes(body: string): string[] {
  const found: string[] = [];
  let inSection = false;
  for (const line of body.slice(0, MAX_BODY_LENGTH).split(/\r?\n/)) {
    const title = HEADING.exec(line)?.[1] ?? BOLD_TITLE.exec(line)?.[1] ?? COLON_TITLE.exec(line)?.[1];
    if (title !== undefined) {
      inSection = isBreakingTitle(title);
      continue;
    }
    if (line.trim() === '') continue;
    if (inSection || hasBreakingMarker(line)) {
      const text = clean(line);
      if (text !== '' && !found.includes(text)) found.push(text);
      if (found.length >= MAX_LINES_PER_RELEASE) break;
    }
  }
  return found;
}
