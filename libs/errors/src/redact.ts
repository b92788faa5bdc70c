const SENSITIVE_QUERY =
  /^(access_token|token|private_token|job_token|client_secret|api_key|apikey|key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|jwt|auth|password|secret)$/i;

// Token formats of GitHub (classic, fine-grained, app) and GitLab, caught even outside headers.
const KNOWN_TOKENS =
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,})\b/g;
const AUTH_HEADER =
  /\b(authorization|private-token|job-token)(["']?\s*[:=]\s*["']?)(?:(bearer|token|basic)\s+)?[^\s"',}]+/gi;

/**
 * A path segment that reads as a credential rather than a name: webhook URLs (Slack, Discord,
 * Teams, chat bots) carry their token in the path. Long runs of mixed-case letters and digits
 * only, so versions, file names (they have dots), hex digests (one case) and UUIDs are kept.
 */
function isTokenSegment(segment: string): boolean {
  if (KNOWN_TOKENS.test(segment)) {
    KNOWN_TOKENS.lastIndex = 0;
    return true;
  }
  return (
    segment.length >= 20 &&
    /^[A-Za-z0-9_-]+$/.test(segment) &&
    /[0-9]/.test(segment) &&
    /[a-z]/.test(segment) &&
    /[A-Z]/.test(segment)
  );
}

/**
 * A URL as it may appear in a message or log: credentials in the authority, token-bearing query
 * parameters and token-looking path segments replaced by `REDACTED`. Text that is not a URL is
 * passed through `redactText`.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    // Only hierarchical URLs: "authorization: Bearer x" parses as a URL of scheme "authorization".
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return redactText(url);
    parsed = new URL(url);
  } catch {
    return redactText(url);
  }
  if (parsed.username !== '') parsed.username = 'REDACTED';
  if (parsed.password !== '') parsed.password = 'REDACTED';
  for (const name of [...parsed.searchParams.keys()]) {
    if (SENSITIVE_QUERY.test(name)) parsed.searchParams.set(name, 'REDACTED');
  }
  const segments = parsed.pathname.split('/');
  if (segments.some(isTokenSegment)) {
    parsed.pathname = segments.map((segment) => (isTokenSegment(segment) ? 'REDACTED' : segment)).join('/');
  }
  return parsed.toString();
}

/**
 * Free text with known secrets removed: the given values (4 characters or more), `Authorization:`-style
 * header values, token-looking strings and credentials or tokens inside URLs.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  out = out.replace(KNOWN_TOKENS, '[REDACTED]');
  out = out.replace(AUTH_HEADER, (_m, name: string, sep: string, scheme: string | undefined) =>
    scheme === undefined ? `${name}${sep}[REDACTED]` : `${name}${sep}${scheme} [REDACTED]`,
  );
  // URLs inside the text get the same treatment as redactUrl (authority, query, token segments).
  out = out.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (found) => {
    const trailing = /[).,;:]+$/.exec(found)?.[0] ?? '';
    const url = found.slice(0, found.length - trailing.length);
    try {
      new URL(url);
    } catch {
      return found;
    }
    return redactUrlKeepingForm(url) + trailing;
  });
  return out;
}

/** redactUrl, but leaving the URL's spelling alone where nothing was secret (no added trailing slash). */
function redactUrlKeepingForm(url: string): string {
  const parsed = new URL(url);
  const hasSecret =
    parsed.username !== '' ||
    parsed.password !== '' ||
    [...parsed.searchParams.keys()].some((name) => SENSITIVE_QUERY.test(name)) ||
    parsed.pathname.split('/').some(isTokenSegment);
  return hasSecret ? redactUrl(url) : url;
}

/**
 * The parts of a URL configured as a secret (a webhook, an SMTP server) that must never be shown:
 * the whole URL, its path and query (webhooks carry their token there) and its decoded user and
 * password. For `redactText(text, urlSecretParts(url))`.
 */
export function urlSecretParts(url: string): string[] {
  const parsed = new URL(url);
  return [
    url,
    parsed.pathname.length > 1 ? parsed.pathname : '',
    parsed.search,
    decodeURIComponent(parsed.username),
    decodeURIComponent(parsed.password),
  ].filter((part) => part !== '');
}
