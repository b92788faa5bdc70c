/** A hostname as a regular expression that matches only itself, in any PromQL string quoting. */
function literal(hostname: string): string {
  // Classes (`[.]`) rather than backslashes, so the same text works in "...", '...' and `...`
  // strings. `]`, `\` and `^` cannot appear in a host name and cannot be written without one.
  let pattern = '';
  for (const char of hostname) {
    if (/[A-Za-z0-9_-]/.test(char)) pattern += char;
    else if (char !== ']' && char !== '\\' && char !== '^') pattern += `[${char}]`;
  }
  return pattern;
}

/**
 * Expands `$hosts` (a regular expression matching the hostnames) and `$instances` (the same,
 * optionally followed by `:port`, as Prometheus' `instance` label reads) in a gate query.
 */
export function expandHostPlaceholders(query: string, hostnames: readonly string[]): string {
  const names = [...new Set(hostnames)].map(literal);
  const hosts = `(${names.join('|')})`;
  return query.replaceAll('$instances', `${hosts}(:[0-9]+)?`).replaceAll('$hosts', hosts);
}
