import type { Validators } from '../cache/resource-cache.ts';

/** `If-None-Match` / `If-Modified-Since` for a cached body's validators (none when there is no body). */
export function conditionalHeaders(validators: Validators | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const etag = validators?.etag;
  const lastModified = validators?.lastModified;
  if (typeof etag === 'string') headers['if-none-match'] = etag;
  if (typeof lastModified === 'string') headers['if-modified-since'] = lastModified;
  return headers;
}
