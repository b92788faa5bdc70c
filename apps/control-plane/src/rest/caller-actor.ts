import { UpkeepError } from '@upkeep/errors';
import type { Actor } from '../audit/audit-event.ts';
import type { AuthenticatedRequest } from '../auth/api-auth.guard.ts';

/** The audit actor of an authenticated REST request. */
export function actorOf(request: AuthenticatedRequest): Actor {
  const caller = request.caller;
  if (caller === undefined)
    throw new UpkeepError('INTERNAL', 'request reached a handler without authentication');
  return { type: 'api_token', id: caller.tokenId, requestId: caller.requestId };
}
