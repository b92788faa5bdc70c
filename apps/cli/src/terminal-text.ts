// Control characters other than tab and newline, DEL, C1 controls and bidi overrides: upstream
// text (release notes, tags) must not move the cursor or reorder what a terminal shows.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/** Upstream text made safe to print on a terminal: invisible and control characters replaced by `?`. */
export function terminalSafe(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(UNSAFE, '?');
}
