const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BOLD_HEADING = /^\s*(?:\*\*|__)(.+?)(?:\*\*|__):?\s*$/;
const BREAKING_HEADING = /breaking|incompatible|\[change\]|removals?\b/i;
const NEGATED = /\bno (?:known )?breaking changes?\b|\bnot a breaking\b|\bnon-breaking\b/i;
const BREAKING_LINE = /\bBREAKING\b|\bbreaking changes?\b|^\s*(?:[-*+]|\d+\.)?\s*\[CHANGE\]/i;
const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+/;
const MAX_LINE = 500;

// eslint-disable-next-line no-control-regex -- notes come from upstream and reach terminals
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function clean(line: string): string {
  const text = line.replace(CONTROL, '').replace(LIST_ITEM, '').trim();
  return text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text;
}

/**
 * Lines of release notes that announce breaking changes: lines saying BREAKING (any case:
 * "BREAKING CHANGE:", "**Breaking**"), Prometheus-style `[CHANGE]` entries, and every list
 * item under a heading about breaking changes ("## Breaking changes", "### ⚠ BREAKING
 * CHANGES", "**Breaking changes**") up to the next heading. "No breaking changes" is not one.
 * Output keeps note order, without list markers, each line once.
 */
export function extractBreakingChanges(notes: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (line: string): void => {
    const text = clean(line);
    if (text === '' || seen.has(text)) return;
    seen.add(text);
    found.push(text);
  };
  let inSection = false;
  let sectionDepth = 0;
  for (const line of notes.replace(/\r\n?/g, '\n').split('\n')) {
    const heading = HEADING.exec(line);
    const bold = heading === null ? BOLD_HEADING.exec(line) : null;
    if (heading !== null || bold !== null) {
      const title = heading?.[2] ?? bold?.[1] ?? '';
      const depth = heading?.[1]?.length ?? 7;
      if (inSection && depth > sectionDepth && !BREAKING_HEADING.test(title)) continue;
      inSection = BREAKING_HEADING.test(title) && !NEGATED.test(title);
      sectionDepth = depth;
      continue;
    }
    if (NEGATED.test(line)) continue;
    if (inSection && LIST_ITEM.test(line)) {
      add(line);
      continue;
    }
    if (BREAKING_LINE.test(line)) add(line);
  }
  return found;
}
