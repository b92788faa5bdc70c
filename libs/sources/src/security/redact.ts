const SENSITIVE_QUERY =
  /^(access_token|token|private_token|job_token|client_secret|api_key|apikey|key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|jwt|auth|password)$/i;

// Token formats of GitHub (classic, fine-grained, app) and GitLab, caught even outside headers.
const KNOWN_TOKENS =
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,})\b/g;
const AUTH_HEADER =
  /\b(authorization|private-token|job-token)(["']?\s*[:=]\s*["']?)(?:(bearer|token|basic)\s+)?[^\s"',}]+/gi;

/**
 * A URL as it may appear in a message or log: credentials in the authority and
 * token-bearing query parameters replaced by `REDACTED`. Text that is not a URL is
 * passed through `redactText`.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactText(url);
  }
  if (parsed.username !== '') parsed.username = 'REDACTED';
  if (parsed.password !== '') parsed.password = 'REDACTED';
  for (const name of [...parsed.searchParams.keys()]) {
    if (SENSITIVE_QUERY.test(name)) parsed.searchParams.set(name, 'REDACTED');
  }
  return parsed.toString();
}

/**
 * Free text with known secrets removed: the given values, `Authorization:`-style
 * header values, token-looking strings and credentials inside URLs.
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
  out = out.replace(/(https?:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1REDACTED:REDACTED@');
  out = out.replace(
    /([?&](?:access_token|token|private_token|job_token|client_secret|api_key|sig|x-amz-signature|x-amz-credential)=)[^&\s"']+/gi,
    '$1REDACTED',
  );
  return out;
}
