import { apiErrorOf, ApiError } from './api-error.ts';

export type Query = Readonly<Record<string, string | readonly string[] | undefined>>;

export function pathWithQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of typeof value === 'string' ? [value] : value) if (item !== '') params.append(key, item);
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Listeners told when the server refuses the session (401): the console goes back to the login page. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function notifyUnauthorized(): void {
  for (const listener of unauthorizedListeners) listener();
}

/**
 * The header the server asks of every write made with the session cookie (its CSRF rule): a page of
 * another site cannot send it without a CORS preflight the server never grants.
 */
export const CSRF_HEADERS: Readonly<Record<string, string>> = { 'x-upkeep-request': 'console' };

/** One REST call with the session cookie; an error answer becomes an ApiError. */
export async function api<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') Object.assign(headers, CSRF_HEADERS);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(pathWithQuery(path, query), {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const error = apiErrorOf(response.status, parsed);
    if (response.status === 401) notifyUnauthorized();
    throw error;
  }
  return parsed as T;
}

export const get = <T>(path: string, query?: Query): Promise<T> => api<T>('GET', path, undefined, query);
export const post = <T>(path: string, body: unknown = {}): Promise<T> => api<T>('POST', path, body);

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** Every page of a cursor-paginated list, up to `max` items. */
export async function allPages<T>(path: string, query: Query = {}, max = 5000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await get<Page<T>>(path, { ...query, limit: '500', cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && items.length < max);
  return items;
}

export { ApiError };
