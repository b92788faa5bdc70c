import { UpkeepError } from '@upkeep/errors';
import { CredentialsRepository } from './credentials.repository.ts';
import { FleetClient } from './fleet-client.ts';
import type { FleetEnvironment } from './fleet-environment.ts';

/** A client for the control plane `upkeep login` stored. */
export async function fleetClientFor(env: FleetEnvironment): Promise<FleetClient> {
  const credentials = await new CredentialsRepository(env.credentialsPath).load();
  return new FleetClient(credentials.server, credentials.token);
}

/** `--label k=v` options as a list checked for their shape. */
export function labelPairs(pairs: readonly string[]): string[] {
  for (const pair of pairs) {
    if (!/^[^=\s]+=.*$/.test(pair)) {
      throw new UpkeepError('USAGE', `--label ${JSON.stringify(pair)} is not KEY=VALUE`, {
        hint: 'write --label env=prod (repeat the option for several labels)',
      });
    }
  }
  return [...pairs];
}

/** An id the control plane gives hosts, jobs and rollouts (any UUID, either case). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A `--limit` option checked to be a whole number from 1 to `max`, as the query parameter. */
export function limitOf(text: string, max: number): string {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new UpkeepError(
      'USAGE',
      `--limit ${JSON.stringify(text)} is not a number from 1 to ${String(max)}`,
    );
  }
  return String(limit);
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** Every item of a cursor-paginated listing. */
export async function allPages<T>(
  client: FleetClient,
  path: string,
  query: Readonly<Record<string, string | readonly string[] | undefined>>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.get<Page<T>>(path, { ...query, limit: '500', cursor });
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
  }
}
