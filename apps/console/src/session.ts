const TOKEN_KEY = 'upkeep.apiToken';

/** The API token lives for the browser tab only (sessionStorage), never in a cookie or localStorage. */
export const session = {
  token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  save(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};
