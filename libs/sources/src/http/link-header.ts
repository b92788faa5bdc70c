/** Reads an RFC 8288 `Link` header into rel → URL (`next`, `last`, ...). */
export function parseLinkHeader(header: string | null | undefined): Map<string, string> {
  const links = new Map<string, string>();
  if (header === null || header === undefined) return links;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const rel = /\brel\s*=\s*"?([^";]+)"?/i.exec(match[2])?.[1];
    if (rel === undefined) continue;
    for (const name of rel.trim().split(/\s+/)) links.set(name.toLowerCase(), match[1]);
  }
  return links;
}
