/** API roles, each including the ones before it. */
export const API_ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export function roleAllows(have: ApiRole, need: ApiRole): boolean {
  return API_ROLES.indexOf(have) >= API_ROLES.indexOf(need);
}

/** Who is calling the REST API, as the guard established it. */
export interface ApiCaller {
  readonly tokenId: string;
  readonly name: string;
  readonly role: ApiRole;
  /** The console session (hash of its cookie) when the request came with one instead of a bearer token. */
  readonly sessionId?: string | undefined;
  readonly requestId: string | undefined;
}
