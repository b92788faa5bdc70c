import { api } from './api.ts';
import type { Me } from './types.ts';

/**
 * The console never holds the API token: logging in trades it for an HttpOnly session cookie
 * (POST /api/session) that the browser sends with every same-origin call and page scripts cannot read.
 */
export const session = {
  logIn(token: string): Promise<Me> {
    return api<Me>('POST', '/api/session', { token });
  },
  logOut(): Promise<void> {
    return api<undefined>('DELETE', '/api/session');
  },
};
